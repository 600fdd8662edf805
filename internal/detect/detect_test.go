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
		{Type: "host", Value: "WS-1"},
		{Type: "account", Value: `CORP\alice`},
		{Type: "ip", Value: "10.0.0.5", Props: map[string]string{"field": "IpAddress"}},
		{Type: "process", Value: `C:\x\a.exe`, Props: map[string]string{"commandLine": "a.exe -x", "processId": ""}},
		{Type: "file", Value: `C:\t\f.txt`},
		{Type: "filehash", Value: "ab", Props: map[string]string{"algorithm": "SHA1"}},
		{Type: "filehash", Value: "cd", Props: map[string]string{"algorithm": "MD5"}},
	}, got)
}

func TestEventDataXML(t *testing.T) {
	got := eventDataXML(`<EventData><Data Name="A">1 &amp; 2</Data><Data Name="B"/><Data Name="C">x</Data></EventData>`)
	require.Equal(t, map[string]any{"A": "1 & 2", "B": "", "C": "x"}, got)
	require.Empty(t, eventDataXML(`<Data Name="broken`))
}
