package udf

import (
	"database/sql/driver"
	"sync"
	"time"

	_ "time/tzdata" // time zones must not depend on the host's files
)

// datetime_local_to_utc and datetime_utc_to_local with IANA time zone names.
func init() {
	Register(Func{Name: "kql_datetime_local_to_utc", Args: []Type{Timestamp, String}, Result: Timestamp, Fn: func(a []driver.Value) (any, error) {
		loc := location(a[1].(string))
		if loc == nil {
			return nil, nil
		}
		t := a[0].(time.Time).UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UTC(), nil
	}})
	Register(Func{Name: "kql_datetime_utc_to_local", Args: []Type{Timestamp, String}, Result: Timestamp, Fn: func(a []driver.Value) (any, error) {
		loc := location(a[1].(string))
		if loc == nil {
			return nil, nil
		}
		t := a[0].(time.Time).In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
	}})
}

var locs sync.Map

func location(name string) *time.Location {
	if l, ok := locs.Load(name); ok {
		return l.(*time.Location)
	}
	if name == "" || name == "Local" {
		return nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	locs.Store(name, l)
	return l
}
