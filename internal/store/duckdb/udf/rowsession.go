package udf

import (
	"database/sql/driver"
	"encoding/json"
)

// kql_row_window_session splits one run of rows (a "segment": rows with no restart, no null and no neighbour gap
// of MaxDistanceBetweenNeighbors between them, as the compiler finds them with SQL windows) into sessions no
// longer than MaxDistanceFromFirst, as row_window_session defines them: a row whose value reaches the session's
// first value plus the distance starts a new session. The argument is the JSON array of the segment's values in
// row order (microseconds since the epoch, or null); the result is the JSON array of each row's session start.
func init() {
	Register(Func{Name: "kql_row_window_session", Args: []Type{JSON, Long}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		s, _ := a[0].(string)
		maxFirst, _ := a[1].(int64)
		var values []*int64
		if err := json.Unmarshal([]byte(s), &values); err != nil {
			return nil, nil
		}
		return marshal(rowSessionStarts(values, maxFirst)), nil
	}})
}

// rowSessionStarts returns the session start of each value; a null value has a null start and ends its session.
func rowSessionStarts(values []*int64, maxFirst int64) []*int64 {
	out := make([]*int64, len(values))
	var start *int64
	for i, v := range values {
		if v == nil {
			start = nil
			continue
		}
		if start == nil || *v >= *start+maxFirst {
			start = v
		}
		out[i] = start
	}
	return out
}
