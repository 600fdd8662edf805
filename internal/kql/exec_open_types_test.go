package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// The columns bag_unpack and pivot produce have the type of their data. A union branch that reads one keeps the
// union to a single column when the other branches agree on a type (the Sysmon branch of many Sentinel rules
// unions the text of an event's XML with string columns of other tables); a join can key on one; column_ifexists
// reads one.
func TestOpenColumns(t *testing.T) {
	db := kqltest.OpenStore(t)
	// Two Sysmon-like events: their fields are bags of {"@Name", "#text"} pairs, as parse_xml gives them.
	const events = `datatable(Id:long, EventData:dynamic)[
		1, dynamic([{"@Name":"User","#text":"alice"},{"@Name":"CommandLine","#text":"auditpol /clear"}]),
		2, dynamic([{"@Name":"User","#text":"bob"},{"@Name":"CommandLine","#text":"whoami"}])]
		| mv-expand bagexpansion=array EventData
		| evaluate bag_unpack(EventData)
		| extend Key = tostring(['@Name']), Value = ['#text']
		| evaluate pivot(Key, any(Value), Id)`
	cases := []struct{ name, kql, want string }{
		{"union-takes-the-agreed-type",
			`union (datatable(Account:string)["carol"] | extend AccountCustomEntity = Account),
			       (` + events + ` | extend AccountCustomEntity = User)
			| project AccountCustomEntity | order by AccountCustomEntity asc`,
			"AccountCustomEntity:string\n\"alice\"\n\"bob\"\n\"carol\""},
		{"union-keeps-declared-dynamic-apart",
			`union (datatable(A:string)["x"]), (print A = dynamic(["y"])) | getschema | project ColumnName`,
			"ColumnName:string\n\"A_string\"\n\"A_dynamic\""},
		{"join-on-pivot-columns",
			`(` + events + ` | project Id, User) | join kind=inner (` + events + `) on $left.User == $right.User
			| project Id, CommandLine = tostring(CommandLine) | order by Id asc`,
			"Id:long | CommandLine:string\n1 | \"auditpol /clear\"\n2 | \"whoami\""},
		{"column_ifexists-reads-the-bag",
			`print d = dynamic({"a":"x"}) | evaluate bag_unpack(d) | project a = column_ifexists("a", ""), b = column_ifexists("b", "")`,
			"a:string | b:string\n\"x\" | \"\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, runFinished(t, db, c.kql))
		})
	}
}

// The union of an open column with columns of a declared type has that type in the checked schema, so an analytics
// rule's entity mapping finds the column; columns of two declared types stay apart, as documented.
func TestOpenColumnsSchema(t *testing.T) {
	const q = `union isfuzzy=true
		(datatable(Account:string)[] | extend AccountCustomEntity = Account),
		(datatable(EventData:dynamic)[] | evaluate bag_unpack(EventData) | extend AccountCustomEntity = User),
		(datatable(N:long)[] | extend Other = N),
		(datatable(N:string)[] | extend Other = N)`
	qq, errs := kql.Compile(q, schema.NewCatalog())
	require.Nil(t, errs, "%s", errs.Render(q))
	types := map[string]string{}
	for _, c := range qq.Schema() {
		types[c.Name] = c.Type.String()
	}
	require.Equal(t, "string", types["AccountCustomEntity"])
	_, split := types["AccountCustomEntity_dynamic"]
	require.False(t, split)
	require.Equal(t, "long", types["Other_long"])
	require.Equal(t, "string", types["Other_string"])
}
