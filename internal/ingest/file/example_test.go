package file_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/schema"
)

func ExampleImport() {
	in := strings.NewReader(`{"System":{"Provider":{"Name":"Microsoft-Windows-Security-Auditing"},"EventID":{"Value":4688},"TimeCreated":{"SystemTime":1550080907.5624127},"Channel":"Security","Computer":"PC01"},"EventData":{"SubjectLogonId":999,"NewProcessId":508,"NewProcessName":"C:\\Windows\\System32\\cmd.exe"}}
{"System":{"Provider":{"Name":"Microsoft-Windows-Sysmon"},"EventID":{"Value":1},"TimeCreated":{"SystemTime":1557681601.98},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"IEWIN7"},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /all"}}
not an event
`)
	sum, err := file.Import(context.Background(), in, "", schema.NewCatalog(), func(b *batch.Batch) error {
		if c := b.Column("SubjectLogonId"); c != nil {
			fmt.Println(b.Table, "SubjectLogonId", c.Value(0), "NewProcessId", b.Column("NewProcessId").Value(0))
		}
		if c := b.Column("ProcessCommandLine"); c != nil {
			fmt.Println(b.Table, b.Column("ActionType").Value(0), b.Column("FileName").Value(0), c.Value(0))
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(sum.Format, sum.Read, sum.Accepted, sum.Rejected, sum.Rejects[0].Line, sum.Rejects[0].Error)
	// Output:
	// DeviceProcessEvents ProcessCreated whoami.exe whoami /all
	// SecurityEvent SubjectLogonId 0x3e7 NewProcessId 0x1fc
	// winevent 3 2 1 3 invalid JSON: cannot parse JSON: unexpected value found: "not an event"; unparsed tail: "not an event"
}
