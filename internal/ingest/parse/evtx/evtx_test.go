package evtx_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	_ "github.com/vigilsec/vigil/internal/ingest/parse/evtx"
	"github.com/vigilsec/vigil/internal/schema"
)

const regression = "../../../../../shared/corpus/sigma/sigmahq/regression_data"

func evtxFiles(t testing.TB) []string {
	var files []string
	_ = filepath.WalkDir(regression, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("SigmaHQ regression data not found at " + regression)
	}
	return files
}

// TestRegressionEvtxImportsWithoutRejects imports every .evtx of SigmaHQ's regression data: no record may be
// rejected, and the format is detected from the file's magic.
func TestRegressionEvtxImportsWithoutRejects(t *testing.T) {
	cat := schema.NewCatalog()
	byTable := map[string]int{}
	records := 0
	for _, path := range evtxFiles(t) {
		f, err := os.Open(path)
		require.NoError(t, err)
		sum, err := file.Import(context.Background(), f, "", cat, func(*batch.Batch) error { return nil })
		f.Close()
		require.NoError(t, err, path)
		require.Equal(t, "evtx", sum.Format, path)
		require.Zero(t, sum.Rejected, "%s: %+v", path, sum.Rejects)
		require.Positive(t, sum.Accepted, path)
		records += sum.Accepted
		for k, v := range sum.ByTable {
			byTable[k] += v
		}
	}
	t.Logf("%d records: %v", records, byTable)
}

func TestCorruptFileIsAnError(t *testing.T) {
	_, err := file.Import(context.Background(), strings.NewReader("ElfFile\x00garbage"), "", schema.NewCatalog(), func(*batch.Batch) error { return nil })
	require.Error(t, err)
}

// BenchmarkImport reports the import rate in MB/s of .evtx.
func BenchmarkImport(b *testing.B) {
	files := evtxFiles(b)
	var datas [][]byte
	size := 0
	for _, p := range files {
		d, err := os.ReadFile(p)
		require.NoError(b, err)
		datas = append(datas, d)
		size += len(d)
	}
	cat := schema.NewCatalog()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, d := range datas {
			_, err := file.Import(context.Background(), strings.NewReader(string(d)), "evtx", cat, func(*batch.Batch) error { return nil })
			require.NoError(b, err)
		}
	}
	b.ReportMetric(float64(size*b.N)/time.Since(start).Seconds()/1e6, "MB/s")
}
