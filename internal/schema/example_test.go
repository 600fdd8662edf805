package schema_test

import (
	"fmt"

	"github.com/vigilsec/vigil/internal/schema"
)

func ExampleCatalog_Table() {
	c := schema.NewCatalog()
	t, ok := c.Table("DeviceProcessEvents")
	if !ok {
		return
	}
	col, pos, _ := t.Column("ProcessCommandLine")
	fmt.Println(t.TimeColumn, col.Name, col.Type, pos)
	_, ok = c.Table("deviceprocessevents")
	fmt.Println(ok, c.Suggest("deviceprocessevents"))
	// Output:
	// Timestamp ProcessCommandLine string 17
	// false DeviceProcessEvents
}
