package kql_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store"
	"github.com/vigilsec/vigil/internal/store/duckdb"
)

// huntingNow is now() for the hunting benchmark; the generated events span
// the 30 days before it.
var huntingNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// huntingCase is one hunting question, asked in KQL and in the best
// DuckDB SQL we could write by hand for the same answer.
type huntingCase struct {
	name, kql, sql string
}

var huntingCases = []huntingCase{
	{"has-term-count",
		`DeviceProcessEvents | where ProcessCommandLine has "whoami" | count`,
		`SELECT count(*) AS "Count" FROM "DeviceProcessEvents"
		 WHERE contains(lower("ProcessCommandLine"), 'whoami') AND regexp_matches("ProcessCommandLine", '(?i)(?:^|[^\pL\pN])whoami(?:$|[^\pL\pN])')`},
	{"filter-summarize-top",
		`DeviceProcessEvents | where FileName =~ "powershell.exe" and ProcessCommandLine contains "-enc"
		 | summarize count() by DeviceName | top 10 by count_ desc, DeviceName asc`,
		`SELECT "DeviceName", count(*) AS count_ FROM "DeviceProcessEvents"
		 WHERE "FileName" ILIKE 'powershell.exe' AND contains(lower("ProcessCommandLine"), '-enc')
		 GROUP BY "DeviceName" ORDER BY count_ DESC, "DeviceName" ASC LIMIT 10`},
	{"dcount-by",
		`DeviceProcessEvents | summarize dcount(DeviceId) by FileName | top 20 by dcount_DeviceId desc, FileName asc`,
		`SELECT "FileName", count(DISTINCT "DeviceId") AS d FROM "DeviceProcessEvents"
		 GROUP BY "FileName" ORDER BY d DESC, "FileName" ASC LIMIT 20`},
	{"bin-by-time",
		`DeviceProcessEvents | where Timestamp > ago(7d) | summarize count() by bin(Timestamp, 1h)`,
		`SELECT time_bucket(INTERVAL 1 HOUR, "Timestamp") AS t, count(*) FROM "DeviceProcessEvents"
		 WHERE "Timestamp" > TIMESTAMP '2024-04-24 12:00:00' GROUP BY t`},
	{"arg_max-by",
		`DeviceProcessEvents | summarize arg_max(Timestamp, FileName, ProcessCommandLine) by DeviceId`,
		`SELECT "DeviceId", max("Timestamp"), arg_max("FileName", "Timestamp"), arg_max("ProcessCommandLine", "Timestamp")
		 FROM "DeviceProcessEvents" GROUP BY "DeviceId"`},
	{"where-top-project",
		`DeviceProcessEvents | where AccountName == "user7" | top 100 by Timestamp desc
		 | project Timestamp, DeviceName, FileName, ProcessCommandLine`,
		`SELECT "Timestamp", "DeviceName", "FileName", "ProcessCommandLine" FROM "DeviceProcessEvents"
		 WHERE "AccountName" = 'user7' ORDER BY "Timestamp" DESC LIMIT 100`},
	{"join-two-subsets",
		`let netUse = DeviceProcessEvents | where FileName =~ "net.exe" and ProcessCommandLine has "user" | distinct DeviceId;
		 netUse | join (DeviceProcessEvents | where InitiatingProcessFileName =~ "winword.exe") on DeviceId
		 | summarize count() by DeviceId | top 10 by count_ desc, DeviceId asc`,
		`SELECT "DeviceId", count(*) AS n FROM "DeviceProcessEvents"
		 WHERE "InitiatingProcessFileName" ILIKE 'winword.exe' AND "DeviceId" IN (
		   SELECT "DeviceId" FROM "DeviceProcessEvents"
		   WHERE "FileName" ILIKE 'net.exe' AND contains(lower("ProcessCommandLine"), 'user')
		     AND regexp_matches("ProcessCommandLine", '(?i)(?:^|[^\pL\pN])user(?:$|[^\pL\pN])'))
		 GROUP BY 1 ORDER BY n DESC, 1 ASC LIMIT 10`},
	{"parse-summarize",
		`DeviceProcessEvents | where ProcessCommandLine has "-user" | parse ProcessCommandLine with * "-user " User " " *
		 | summarize count() by User | top 10 by count_ desc, User asc`,
		`SELECT regexp_extract("ProcessCommandLine", '-user (.*?) ', 1) AS u, count(*) AS n FROM "DeviceProcessEvents"
		 WHERE contains(lower("ProcessCommandLine"), '-user') AND regexp_matches("ProcessCommandLine", '(?i)(?:^|[^\pL\pN])-user(?:$|[^\pL\pN])')
		 GROUP BY u ORDER BY n DESC, u ASC LIMIT 10`},
	{"in-ci-pairs",
		`DeviceProcessEvents | where InitiatingProcessFileName in~ ("winword.exe", "excel.exe", "outlook.exe")
		   and FileName in~ ("cmd.exe", "powershell.exe", "mshta.exe")
		 | summarize count() by InitiatingProcessFileName, FileName`,
		`SELECT "InitiatingProcessFileName", "FileName", count(*) FROM "DeviceProcessEvents"
		 WHERE lower("InitiatingProcessFileName") IN ('winword.exe', 'excel.exe', 'outlook.exe')
		   AND lower("FileName") IN ('cmd.exe', 'powershell.exe', 'mshta.exe')
		 GROUP BY 1, 2`},
	{"prefix-suffix-countif",
		`DeviceProcessEvents | where FolderPath startswith @"C:\Users" and FileName endswith ".exe"
		 | summarize n = count(), whoami = countif(ProcessCommandLine has "whoami") by AccountName
		 | top 10 by n desc, AccountName asc`,
		`SELECT "AccountName", count(*) AS n,
		   count(*) FILTER (WHERE contains(lower("ProcessCommandLine"), 'whoami') AND regexp_matches("ProcessCommandLine", '(?i)(?:^|[^\pL\pN])whoami(?:$|[^\pL\pN])'))
		 FROM "DeviceProcessEvents"
		 WHERE starts_with(lower("FolderPath"), 'c:\users') AND ends_with(lower("FileName"), '.exe')
		 GROUP BY 1 ORDER BY n DESC, 1 ASC LIMIT 10`},
}

// huntingColumns are the DeviceProcessEvents columns the generator fills.
var huntingColumns = []string{"DeviceId", "DeviceName", "ActionType", "FileName", "FolderPath", "SHA256", "ProcessId",
	"ProcessCommandLine", "AccountName", "AccountDomain", "InitiatingProcessFileName", "InitiatingProcessCommandLine"}

// huntingSelect generates n DeviceProcessEvents rows inside DuckDB.
func huntingSelect(n int) string {
	list := func(xs ...string) string { return "['" + strings.Join(xs, "', '") + "']" }
	files := list("cmd.exe", "powershell.exe", "svchost.exe", "chrome.exe", "WINWORD.EXE", "excel.exe", "rundll32.exe",
		"whoami.exe", "net.exe", "conhost.exe", "explorer.exe", "msedge.exe", "python.exe", "notepad.exe", "Teams.exe",
		"OUTLOOK.EXE", "regsvr32.exe", "mshta.exe", "wmic.exe", "setup.msi")
	args := list("/c whoami /all", "-NoP -NonI -enc SQBFAFgA", "-user alice -p x", "-user bob --verbose", "--type=renderer",
		"/s /q", "-k netsvcs -p", "user admin /add", "C:\\Temp\\a.dll,Start", "/c ping 10.0.0.1", "-File run.ps1",
		"-user carol", "/i /qn", "--no-sandbox", "process call create calc", "whoamiX /fake")
	parents := list("explorer.exe", "services.exe", "winword.exe", "cmd.exe", "powershell.exe", "svchost.exe", "EXCEL.EXE", "outlook.exe")
	return fmt.Sprintf(`SELECT TIMESTAMP '2024-05-01 12:00:00' - to_microseconds(CAST(h %% 2592000000000 AS BIGINT)) AS "Timestamp",
  'dev-' || CAST(h %% 5000 AS VARCHAR) AS "DeviceId",
  'host-' || CAST(h %% 5000 AS VARCHAR) || '.corp.example' AS "DeviceName",
  'ProcessCreated' AS "ActionType",
  f AS "FileName",
  CASE (h >> 13) %% 3 WHEN 0 THEN 'C:\Windows\System32\' WHEN 1 THEN 'C:\Users\user' || CAST((h >> 16) %% 300 AS VARCHAR) || '\AppData\Local\' ELSE 'C:\Program Files\App\' END AS "FolderPath",
  md5(CAST(h %% 100000 AS VARCHAR)) AS "SHA256",
  CAST(h %% 65536 AS BIGINT) AS "ProcessId",
  f || ' ' || %s[1 + CAST((h >> 20) %% 16 AS INTEGER)] || ' ' || CAST(i AS VARCHAR) AS "ProcessCommandLine",
  'user' || CAST((h >> 24) %% 300 AS VARCHAR) AS "AccountName",
  'CORP' AS "AccountDomain",
  p AS "InitiatingProcessFileName",
  p || ' /automation' AS "InitiatingProcessCommandLine",
  'gen' AS "_BatchId", CAST(i %% 1000000 AS INTEGER) AS "_Row", TIMESTAMP '2024-05-01 12:00:00' AS "_TimeReceived"
FROM (SELECT i, h, %s[1 + CAST((h >> 8) %% 20 AS INTEGER)] AS f, %s[1 + CAST((h >> 28) %% 8 AS INTEGER)] AS p
      FROM (SELECT range AS i, hash(range) AS h FROM range(%d)))`, args, files, parents, n)
}

// BenchmarkHunting generates DeviceProcessEvents rows (10M by default,
// VIGIL_KQL_BENCH_ROWS to change) in a DuckDB store and runs ten hunting
// questions both as compiled KQL and as hand-written DuckDB SQL, side by
// side; each sub-benchmark reports kql-ms, sql-ms and their ratio, and the
// ratio of the CPU time the process spent in each (cpu-ratio). The two
// answers must be equal.
func BenchmarkHunting(b *testing.B) {
	n := 10_000_000
	if s := os.Getenv("VIGIL_KQL_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("VIGIL_KQL_BENCH_ROWS: %v", err)
		}
		n = v
	}
	ctx := context.Background()
	db, err := duckdb.Open(ctx, filepath.Join(b.TempDir(), "events.db"), duckdb.Options{MemoryLimit: "4GB"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cat := schema.NewCatalog()
	t, _ := cat.Table("DeviceProcessEvents")
	if err := db.EnsureTable(ctx, t); err != nil {
		b.Fatal(err)
	}
	// One appended row makes the store add the generated columns to its
	// base table and view; the rows themselves are generated by DuckDB.
	bl := batch.NewBuilder(t)
	bl.Begin()
	for _, c := range huntingColumns {
		_, pos, _ := t.Column(c)
		if c == "ProcessId" {
			bl.SetInt(pos, 1)
		} else {
			bl.SetString(pos, "seed")
		}
	}
	_, pos, _ := t.Column("Timestamp")
	bl.SetInt(pos, huntingNow.Add(-365*24*time.Hour).UnixMicro())
	bl.Commit()
	if _, err := db.Append(ctx, []*batch.Batch{bl.Finish("seed", huntingNow.UnixMicro())}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := db.Query(ctx, `INSERT INTO "_t_DeviceProcessEvents" BY NAME `+huntingSelect(n), 0); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Query(ctx, "CHECKPOINT", 0); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d rows in %v", n, time.Since(start).Round(time.Millisecond))

	for _, c := range huntingCases {
		b.Run(c.name, func(b *testing.B) {
			q, errs := kql.Compile(c.kql, cat, kql.WithNow(huntingNow))
			if errs != nil {
				b.Fatal(errs.Render(c.kql))
			}
			gen, err := q.DuckDB()
			if err != nil {
				b.Fatal(err)
			}
			var cpu [2]time.Duration // CPU time of the process in the generated (0) and hand-written (1) statements
			run := func(sql string) (*store.Result, time.Duration) {
				start, c0 := time.Now(), huntingCPU()
				res, err := db.Query(ctx, sql, 0)
				if err != nil {
					b.Fatalf("%v\n%s", err, sql)
				}
				if sql == gen {
					cpu[0] += huntingCPU() - c0
				} else {
					cpu[1] += huntingCPU() - c0
				}
				return res, time.Since(start)
			}
			// Warm up both and check that they answer the same.
			got, _ := run(gen)
			want, _ := run(c.sql)
			if g, w := rowsText(got), rowsText(want); g != w {
				b.Fatalf("KQL and SQL answers differ\nKQL (%d rows):\n%.2000s\nSQL (%d rows):\n%.2000s", len(got.Rows), g, len(want.Rows), w)
			}
			var kt, st []time.Duration
			cpu = [2]time.Duration{}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Alternate which goes first so neither always meets a warmer cache.
				if i%2 == 0 {
					_, d1 := run(gen)
					_, d2 := run(c.sql)
					kt, st = append(kt, d1), append(st, d2)
				} else {
					_, d2 := run(c.sql)
					_, d1 := run(gen)
					kt, st = append(kt, d1), append(st, d2)
				}
			}
			b.StopTimer()
			km, sm := median(kt), median(st)
			b.ReportMetric(float64(km.Microseconds())/1000, "kql-ms")
			b.ReportMetric(float64(sm.Microseconds())/1000, "sql-ms")
			b.ReportMetric(float64(km)/float64(sm), "ratio")
			// Wall time on a shared machine follows the other processes; the CPU time DuckDB spends in this
			// process does much less.
			if cpu[1] > 0 {
				b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "cpu-ratio")
			}
		})
	}
}

// huntingCPU is the user and system CPU time this process has used.
func huntingCPU() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// rowsText renders the rows sorted, one per line, so that two results are
// compared as sets of rows; numbers are printed with six significant digits.
func rowsText(r *store.Result) string {
	lines := make([]string, len(r.Rows))
	for i, row := range r.Rows {
		cells := make([]string, len(row))
		for j, v := range row {
			switch x := v.(type) {
			case float64:
				cells[j] = strconv.FormatFloat(x, 'g', 6, 64)
			case time.Time:
				cells[j] = x.UTC().Format(time.RFC3339Nano)
			default:
				cells[j] = fmt.Sprint(x)
			}
		}
		lines[i] = strings.Join(cells, " | ")
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
