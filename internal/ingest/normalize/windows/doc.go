// Package windows maps Windows event log records onto schema tables: the Security channel onto SecurityEvent,
// Sysmon onto the Defender device tables (DeviceProcessEvents, DeviceNetworkEvents, DeviceFileEvents,
// DeviceRegistryEvents, DeviceImageLoadEvents, DeviceEvents), and every other channel (System, Application,
// PowerShell, Defender, ...) onto Event.
//
// The input is the JSON of one record as the common renderers write it: the Velocidex evtx library, evtx_dump,
// Winlogbeat, or a flat object (NXLog, Sigma test data); [Decode] reads all of them into an [Event]. Nothing a record
// says is lost: Device* rows keep every data and system field in AdditionalFields (in _Extra for the tables that have
// no AdditionalFields column), SecurityEvent and Event rows keep the data as the XML of their EventData column and
// the system fields in _Extra. Numbers that Windows writes in hex and renderers print in decimal are restored to
// Windows' own form (see [HexFields]). With [Normalizer].DeviceTables, Security 4688, 4624 and 4625 also fill
// DeviceProcessEvents and DeviceLogonEvents, so Defender-style content runs on Windows auditing too.
package windows
