package windows_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/ingest/normalize/windows"
)

// A Security 4624 event as Windows renders it in XML (the shape of Splunk's XmlWinEventLog source type).
const logonXML = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/><EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2024-05-01T10:00:00.1234567Z'/><EventRecordID>11</EventRecordID><Correlation ActivityID='{AB}'/><Execution ProcessID='652' ThreadID='700'/><Channel>Security</Channel><Computer>dc1.corp.local</Computer><Security/></System><EventData><Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='TargetUserName'>alice</Data><Data Name='TargetDomainName'>CORP</Data><Data Name='LogonType'>3</Data><Data Name='IpAddress'>10.0.0.5</Data><Data Name='TargetLogonId'>0x3e7</Data><Data Name='Empty'/></EventData></Event>`

func TestDecodeXML(t *testing.T) {
	e, err := windows.DecodeXML(logonXML)
	require.NoError(t, err)
	require.Equal(t, int64(4624), e.EventID)
	require.Equal(t, "Security", e.Channel)
	require.Equal(t, "Microsoft-Windows-Security-Auditing", e.Provider)
	require.Equal(t, "dc1.corp.local", e.Computer)
	require.Equal(t, "652", e.ProcessID)
	require.Equal(t, "alice", e.Get("TargetUserName"))
	require.Equal(t, "0x3e7", e.Get("TargetLogonId"))
	require.Equal(t, "10.0.0.5", e.Get("IpAddress"))
	require.Equal(t, int64(1714557600123456), e.Time)
	require.Equal(t, "SecurityEvent", windows.Table(e))

	for _, bad := range []string{"", "<Event>", "<NotEvent/>", "<Event><System><EventID>x</EventID></System></Event>", "plain text"} {
		_, err := windows.DecodeXML(bad)
		require.ErrorIs(t, err, windows.ErrMalformed, bad)
	}
}

func FuzzDecodeXML(f *testing.F) {
	f.Add(logonXML)
	f.Add("<Event><System><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><TimeCreated SystemTime='2024-01-01T00:00:00Z'/></System><EventData><Data>unnamed</Data></EventData></Event>")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = windows.DecodeXML(s)
	})
}
