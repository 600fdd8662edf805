package auditd_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/auditd"
	"github.com/vigilsec/vigil/internal/schema"
)

func rows(t *testing.T, set *tables.Set) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	require.NoError(t, set.Flush(func(b *batch.Batch) error {
		for i := 0; i < b.Len; i++ {
			row := map[string]any{}
			for _, c := range b.Columns {
				if v := c.Value(i); v != nil {
					row[c.Name] = v
				}
			}
			out[b.Table] = append(out[b.Table], row)
		}
		return nil
	}, nil))
	return out
}

func feed(t *testing.T, host string, lines ...string) map[string][]map[string]any {
	set := tables.NewSet(schema.NewCatalog())
	j := auditd.NewJoiner()
	for _, l := range lines {
		r, err := auditd.Parse(l)
		require.NoError(t, err, l)
		require.NoError(t, j.Add(r, host, set))
	}
	require.NoError(t, j.Flush(set))
	return rows(t, set)
}

func TestExecveJoined(t *testing.T) {
	// An execve in auditd's ENRICHED format: hex-encoded argument with a space, a long argument split in parts,
	// the interpreted fields after the group separator.
	got := feed(t, "web-5",
		`type=SYSCALL msg=audit(1714557600.250:4711): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=1999 pid=2001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=7 comm="bash" exe="/usr/bin/bash" subj=unconfined key="exec"`+"\x1d"+`ARCH=x86_64 SYSCALL=execve AUID="bob" UID="root" GID="root" EUID="root"`,
		`type=EXECVE msg=audit(1714557600.250:4711): argc=4 a0="bash" a1="-c" a2=6563686F2068656C6C6F a3_len=6 a3[0]="abc" a3[1]="def"`,
		`type=CWD msg=audit(1714557600.250:4711): cwd="/tmp"`,
		`type=PATH msg=audit(1714557600.250:4711): item=0 name="/usr/bin/bash" inode=1 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL`,
		`type=PROCTITLE msg=audit(1714557600.250:4711): proctitle=62617368002D63`,
		`type=EOE msg=audit(1714557600.250:4711): `,
	)
	require.Len(t, got["DeviceProcessEvents"], 1)
	p := got["DeviceProcessEvents"][0]
	require.Equal(t, int64(1714557600250000), p["Timestamp"])
	require.Equal(t, "web-5", p["DeviceName"])
	require.Equal(t, "bash", p["FileName"])
	require.Equal(t, "/usr/bin/bash", p["FolderPath"])
	require.Equal(t, `bash -c "echo hello" abcdef`, p["ProcessCommandLine"])
	require.Equal(t, int64(2001), p["ProcessId"])
	require.Equal(t, int64(1999), p["InitiatingProcessId"])
	require.Equal(t, "root", p["AccountName"])
	require.Equal(t, "bob", p["InitiatingProcessAccountName"])
	require.Equal(t, `{"Source":"auditd","AuditId":"1714557600.250:4711","Syscall":"execve","Arch":"c000003e","Auid":"bob","Uid":"root","Euid":"root","Tty":"pts0","Ses":"7","Comm":"bash","Key":"exec","Cwd":"/tmp","Success":"yes","Exit":"0"}`, p["AdditionalFields"])
	require.Empty(t, got["Syslog"])
}

func TestFilesAndOtherEvents(t *testing.T) {
	got := feed(t, "",
		// Two events interleaved, from a node: an unlink and a rename.
		`node=db-1 type=SYSCALL msg=audit(1714557601.000:10): arch=c000003e syscall=87 success=yes exit=0 items=2 ppid=1 pid=300 auid=1000 uid=1000 comm="rm" exe="/usr/bin/rm" key=(null)`,
		`node=db-1 type=SYSCALL msg=audit(1714557601.001:11): arch=c000003e syscall=82 success=yes exit=0 items=4 ppid=1 pid=301 auid=1000 uid=1000 comm="mv" exe="/usr/bin/mv" key=(null)`,
		`node=db-1 type=CWD msg=audit(1714557601.000:10): cwd="/home/alice"`,
		`node=db-1 type=PATH msg=audit(1714557601.000:10): item=0 name="/home/alice" nametype=PARENT`,
		`node=db-1 type=PATH msg=audit(1714557601.000:10): item=1 name="notes.txt" nametype=DELETE`,
		`node=db-1 type=PATH msg=audit(1714557601.001:11): item=2 name="/etc/old.conf" nametype=DELETE`,
		`node=db-1 type=PATH msg=audit(1714557601.001:11): item=3 name="/etc/new.conf" nametype=CREATE`,
		`node=db-1 type=EOE msg=audit(1714557601.000:10): `,
		// A single-record event, and a failed syscall with no file or process effect.
		`type=USER_LOGIN msg=audit(1714557602.000:12): pid=400 uid=0 auid=1000 ses=9 msg='op=login acct="alice" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.9 terminal=ssh res=failed'`,
		`type=SYSCALL msg=audit(1714557603.000:13): arch=c000003e syscall=2 success=no exit=-13 items=1 ppid=1 pid=500 uid=1000 comm="cat" exe="/usr/bin/cat" key="secrets"`,
		`type=PATH msg=audit(1714557603.000:13): item=0 name="/etc/shadow" nametype=NORMAL`,
	)
	files := got["DeviceFileEvents"]
	require.Len(t, files, 2)
	byAction := map[string]map[string]any{}
	for _, f := range files {
		byAction[f["ActionType"].(string)] = f
	}
	require.Equal(t, "/home/alice/notes.txt", byAction["FileDeleted"]["FolderPath"])
	require.Equal(t, "db-1", byAction["FileDeleted"]["DeviceName"])
	require.Equal(t, "rm", byAction["FileDeleted"]["InitiatingProcessFileName"])
	require.Equal(t, "/etc/new.conf", byAction["FileRenamed"]["FolderPath"])
	require.Equal(t, "old.conf", byAction["FileRenamed"]["PreviousFileName"])
	require.Equal(t, "/etc", byAction["FileRenamed"]["PreviousFolderPath"])
	sys := got["Syslog"]
	require.Len(t, sys, 2)
	require.Contains(t, sys[0]["SyslogMessage"], `type=USER_LOGIN`)
	require.Equal(t, "audit", sys[0]["Facility"])
	require.Contains(t, sys[1]["SyslogMessage"], "success=no")
	require.Contains(t, sys[1]["SyslogMessage"], `name="/etc/shadow"`, "the records of an event are kept together")
}

func TestParse(t *testing.T) {
	r, err := auditd.Parse(`type=USER_CMD msg=audit(1714557604.5:99): pid=1 uid=1000 msg='cwd="/root" cmd=6964 terminal=pts/0 res=success'`)
	require.NoError(t, err)
	require.Equal(t, "USER_CMD", r.Type)
	require.Equal(t, int64(1714557604500000), r.Time)
	require.Equal(t, "99", r.Serial)
	require.Equal(t, "id", r.Text("cmd"))
	require.Equal(t, "/root", r.Text("cwd"))
	require.True(t, auditd.IsRecord("<14>May  1 10:00:00 h audispd: node=h type=EOE msg=audit(1.2:3): "))
	require.False(t, auditd.IsRecord("type=x but no message"))
	for _, bad := range []string{"", "type=", "type=SYSCALL", "type=SYSCALL msg=audit(", "type=SYSCALL msg=audit(1.0)", "type=SYSCALL msg=audit(x:1)", "msg=audit(1:2)"} {
		_, err := auditd.Parse(bad)
		require.ErrorIs(t, err, auditd.ErrMalformed, bad)
	}
}

func FuzzJoin(f *testing.F) {
	f.Add("type=SYSCALL msg=audit(1.0:1): success=yes exe=\"/bin/x\" pid=1\ntype=EXECVE msg=audit(1.0:1): argc=2 a0=\"x\" a1=41\ntype=EOE msg=audit(1.0:1): ")
	f.Add("type=PATH msg=audit(2.5:9): item=0 name=\"a b\" nametype=CREATE\ntype=SYSCALL msg=audit(2.5:9): success=yes a1_len=3 a1[0]=\"x\"\n")
	f.Add("node=n type=USER_LOGIN msg=audit(3:4): msg='acct=\"x\" res=failed'\x1dUID=\"u\"")
	f.Fuzz(func(t *testing.T, s string) {
		set := tables.NewSet(schema.NewCatalog())
		j := auditd.NewJoiner()
		for _, line := range strings.Split(s, "\n") {
			r, err := auditd.Parse(line)
			if err != nil {
				continue
			}
			if err := j.Add(r, "h", set); err != nil {
				t.Fatal(err)
			}
		}
		if err := j.Flush(set); err != nil {
			t.Fatal(err)
		}
		if j.Pending() != 0 {
			t.Fatal("events left after Flush")
		}
	})
}
