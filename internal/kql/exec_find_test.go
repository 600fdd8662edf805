package kql_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/kql"
	"github.com/vigilsec/vigil/internal/kql/kqltest"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestExecFind runs find over the two tables of the Kusto documentation's find examples; the wanted rows are
// the documented outputs (with the columns in the documented order).
func TestExecFind(t *testing.T) {
	db := kqltest.OpenStore(t)
	const tables = `let EventsTable1 = datatable(Session_Id:string, Level:string, EventText:string, Version:string)[
    "acbd207d-51aa-4df7-bfa7-be70eb68f04e", "Information", "Some Text1", "v1.0.0",
    "acbd207d-51aa-4df7-bfa7-be70eb68f04e", "Error", "Some Text2", "v1.0.0",
    "28b8e46e-3c31-43cf-83cb-48921c3986fc", "Error", "Some Text3", "v1.0.1",
    "8f057b11-3281-45c3-a856-05ebb18a3c59", "Information", "Some Text4", "v1.1.0"];
let EventsTable2 = datatable(Session_Id:string, Level:string, EventText:string, EventName:string)[
    "f7d5f95f-f580-4ea6-830b-5776c8d64fdd", "Information", "Some Other Text1", "Event1",
    "acbd207d-51aa-4df7-bfa7-be70eb68f04e", "Information", "Some Other Text2", "Event2",
    "acbd207d-51aa-4df7-bfa7-be70eb68f04e", "Error", "Some Other Text3", "Event3",
    "15eaeab5-8576-4b58-8fc6-478f75d8fee4", "Error", "Some Other Text4", "Event4"];
`
	cases := []struct{ name, kql, want string }{
		{"project-with-pack_all", tables + `find in (EventsTable1, EventsTable2)
     where Session_Id == 'acbd207d-51aa-4df7-bfa7-be70eb68f04e' and Level == 'Error'
     project EventText, Version, EventName, pack_all()
| order by source_ asc`,
			"source_:string | EventText:string | Version:string | EventName:string | pack_:dynamic\n" +
				`"EventsTable1" | "Some Text2" | "v1.0.0" | null | {"EventText":"Some Text2","Level":"Error","Session_Id":"acbd207d-51aa-4df7-bfa7-be70eb68f04e","Version":"v1.0.0"}` + "\n" +
				`"EventsTable2" | "Some Other Text3" | null | "Event3" | {"EventName":"Event3","EventText":"Some Other Text3","Level":"Error","Session_Id":"acbd207d-51aa-4df7-bfa7-be70eb68f04e"}`},
		// Each table is filtered by the part of the predicate it has columns for.
		{"columns-of-one-table", tables + `find in (EventsTable1, EventsTable2) where Version == 'v1.0.0' or EventName == 'Event1' project Session_Id, EventText, Version, EventName | order by EventText asc`,
			"source_:string | Session_Id:string | EventText:string | Version:string | EventName:string\n" +
				`"EventsTable2" | "f7d5f95f-f580-4ea6-830b-5776c8d64fdd" | "Some Other Text1" | null | "Event1"` + "\n" +
				`"EventsTable1" | "acbd207d-51aa-4df7-bfa7-be70eb68f04e" | "Some Text1" | "v1.0.0" | null` + "\n" +
				`"EventsTable1" | "acbd207d-51aa-4df7-bfa7-be70eb68f04e" | "Some Text2" | "v1.0.0" | null`},
		// project-smart: the predicate's columns, the common columns, and the rest packed.
		{"project-smart", tables + `find withsource=T in (EventsTable1, EventsTable2) where Session_Id == 'acbd207d-51aa-4df7-bfa7-be70eb68f04e' | order by EventText asc`,
			"T:string | Session_Id:string | Level:string | EventText:string | pack_:dynamic\n" +
				`"EventsTable2" | "acbd207d-51aa-4df7-bfa7-be70eb68f04e" | "Information" | "Some Other Text2" | {"EventName":"Event2"}` + "\n" +
				`"EventsTable2" | "acbd207d-51aa-4df7-bfa7-be70eb68f04e" | "Error" | "Some Other Text3" | {"EventName":"Event3"}` + "\n" +
				`"EventsTable1" | "acbd207d-51aa-4df7-bfa7-be70eb68f04e" | "Information" | "Some Text1" | {"Version":"v1.0.0"}` + "\n" +
				`"EventsTable1" | "acbd207d-51aa-4df7-bfa7-be70eb68f04e" | "Error" | "Some Text2" | {"Version":"v1.0.0"}`},
		// pack_all() packs the table's own columns, not the predicate's columns it lacks.
		{"pack_all-own-columns", tables + `find in (EventsTable1, EventsTable2) where EventName == 'Event4' project pack_all()`,
			"source_:string | pack_:dynamic\n" + `"EventsTable2" | {"EventName":"Event4","EventText":"Some Other Text4","Level":"Error","Session_Id":"15eaeab5-8576-4b58-8fc6-478f75d8fee4"}`},
		{"pack_all-lacking-column", tables + `find in (EventsTable1, EventsTable2) where Version == 'v1.1.0' or EventName == 'Event4' project pack_all() | order by source_ asc`,
			"source_:string | pack_:dynamic\n" + `"EventsTable1" | {"EventText":"Some Text4","Level":"Information","Session_Id":"8f057b11-3281-45c3-a856-05ebb18a3c59","Version":"v1.1.0"}` + "\n" +
				`"EventsTable2" | {"EventName":"Event4","EventText":"Some Other Text4","Level":"Error","Session_Id":"15eaeab5-8576-4b58-8fc6-478f75d8fee4"}`},
		// A table without any column of the predicate is left out.
		{"table-left-out", tables + `find in (EventsTable1, EventsTable2) where Version == 'v1.1.0' | project source_, EventText`,
			"source_:string | EventText:string\n\"EventsTable1\" | \"Some Text4\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, runFinished(t, db, c.kql))
		})
	}
}

// TestFindErrors checks that find reports predicates no table can evaluate.
func TestFindErrors(t *testing.T) {
	const src = `let A = datatable(x:long)[1]; find in (A) where y == 1`
	_, errs := kql.Compile(src, schema.NewCatalog())
	require.NotEmpty(t, errs)
	require.Equal(t, `1:49: unknown column or variable "y"; did you mean "x"?`, errs[0].Error())
}
