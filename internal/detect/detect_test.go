package detect

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/state"
)

func TestEntities(t *testing.T) {
	got := Entities(map[string]any{
		"Computer": "WS-1", "User": `CORP\alice`, "AccountName": "alice", "SubjectUserName": "WS-1$",
		"IpAddress": "10.0.0.5", "DestinationIp": "127.0.0.1", "Image": `C:\x\a.exe`, "CommandLine": "a.exe -x",
		"Hashes": "SHA1=AB,MD5=CD,IMPHASH=EF", "TargetFilename": `C:\t\f.txt`,
	})
	require.Equal(t, []state.Entity{
		{Type: "Host", Value: "ws-1", Props: map[string]string{"FullName": "WS-1", "HostName": "WS-1"}},
		{Type: "Account", Value: "alice", Props: map[string]string{"FullName": `CORP\alice`, "Name": "alice", "NTDomain": "CORP"}},
		{Type: "IP", Value: "10.0.0.5", Props: map[string]string{"Address": "10.0.0.5"}},
		{Type: "Process", Value: "a.exe -x", Props: map[string]string{"CommandLine": "a.exe -x"}},
		{Type: "File", Value: `c:\x\a.exe`, Props: map[string]string{"Name": "a.exe", "Directory": `C:\x`}},
		{Type: "File", Value: `c:\t\f.txt`, Props: map[string]string{"Name": "f.txt", "Directory": `C:\t`}},
		{Type: "FileHash", Value: "ab", Props: map[string]string{"Algorithm": "SHA1", "Value": "AB"}},
		{Type: "FileHash", Value: "cd", Props: map[string]string{"Algorithm": "MD5", "Value": "CD"}},
	}, got)
}

func TestEventDataXML(t *testing.T) {
	got := eventDataXML(`<EventData><Data Name="A">1 &amp; 2</Data><Data Name="B"/><Data Name="C">x</Data></EventData>`)
	require.Equal(t, map[string]any{"A": "1 & 2", "B": "", "C": "x"}, got)
	require.Empty(t, eventDataXML(`<Data Name="broken`))
}
