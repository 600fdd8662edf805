// Package demo generates a realistic, deterministic demo environment: about a week of telemetry from a small
// organisation (workstations, servers, two domain controllers, a few Linux hosts, about a hundred users) across the
// Microsoft Defender advanced-hunting tables and the Microsoft Sentinel tables, with one multi-stage attack woven in.
//
// The background follows a working-hours rhythm: users log on in the morning, browse, read mail, edit documents and
// reach the file server; services, scheduled tasks, the domain controllers and the Linux hosts work around the
// clock. The attack (a phishing mail with a macro document, PowerShell download, a UAC bypass, LSASS dumping,
// lateral movement with a stolen admin account and a remote service, archiving and exfiltration) runs over about two
// hours on the second-to-last day and uses the same entities (user, hosts, IP addresses, domains, hashes) in every
// table it touches, so correlation by shared entities can find the story.
//
// [Generate] writes the events to a [Sink] as NDJSON batches, table by table in time order, and returns the [Truth]:
// every attack row with the column values that locate it in the store, its stage and its ATT&CK technique.
// The output depends only on [Options]: the same End and Seed give byte-identical output, and every time is an
// offset back from End, so End = now makes the data look live.
package demo
