package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql/kqltest"
)

// A tabular argument to a user function's scalar parameter is coerced as toscalar() documents: the first column of
// the first row, converted to the declared type. A tabular parameter still takes the table.
func TestTabularArgumentToScalarParameter(t *testing.T) {
	db := kqltest.OpenStore(t)
	cases := []struct{ name, kql, want string }{
		{"long-parameter",
			`let f = (n:long) { n * 2 }; let T = datatable(x:long)[21, 5]; print r = f(T)`,
			"r:long\n42"},
		{"converted-to-declared-type",
			`let f = (s:string) { strcat(s, "!") }; let T = datatable(x:long)[7]; print r = f(s=T)`,
			"r:string\n\"7!\""},
		{"dynamic-parameter",
			`let f = (d:dynamic=dynamic([])) { print v = d }; let IPs = datatable(ip:string)["10.0.0.1"]; f(d=IPs)`,
			"v:string\n\"10.0.0.1\""},
		{"tabular-parameter-keeps-the-table",
			`let f = (T:(x:long)) { T | count }; f(datatable(x:long)[1, 2, 3])`,
			"Count:long\n3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, runFinished(t, db, c.kql))
		})
	}
}
