package sigma_test

import (
	"encoding/json"
	"fmt"

	"github.com/vigilsec/vigil/internal/sigma"
)

func Example() {
	eng, issues := sigma.Compile([]byte(`
title: Whoami Execution
id: 502b42de-4306-40b4-9596-6f590c81f073
status: test
level: medium
author: Example Author
tags: [attack.discovery, attack.t1033]
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
`), "whoami.yml")
	if len(issues.Errors()) > 0 {
		fmt.Println(issues)
		return
	}
	var obj map[string]any
	_ = json.Unmarshal([]byte(`{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":{"Value":1}},
		"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","User":"CORP\\bob"}}`), &obj)
	for _, m := range eng.Match(sigma.FromJSON(obj)) {
		fmt.Println(m.Title, m.Level, m.Tactics, m.Techniques, m.Searches, m.Fields[0].Field)
	}
	// Output: Whoami Execution medium [Discovery] [T1033] [selection] Image
}
