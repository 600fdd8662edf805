package hunt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/schema"
)

// TestDynamicColumnsKeepTheirJSON stores dynamic values (JSON text in the batch) through the real store and reads
// them back in KQL: objects, arrays and scalars must be stored as JSON values, not as strings holding JSON text,
// so that property access and gettype see them.
func TestDynamicColumnsKeepTheirJSON(t *testing.T) {
	ctx := context.Background()
	cat := schema.NewCatalog()
	db := openStore(t, cat, "SecurityIncident")
	tab, _ := cat.Table("SecurityIncident")
	_, owner, _ := tab.Column("Owner")
	_, alerts, _ := tab.Column("AlertIds")
	_, labels, _ := tab.Column("Labels")
	_, tg, _ := tab.Column("TimeGenerated")
	_, num, _ := tab.Column("IncidentNumber")
	b := batch.NewBuilder(tab)
	now := time.Now().UTC()
	for i, row := range [][3]string{
		{`{"assignedTo":"carol","objectId":null}`, `["a1","a2"]`, `"plain"`},
		{`{"assignedTo":"dave"}`, `[]`, `not json at all`},
	} {
		b.Begin()
		b.SetInt(tg, now.UnixMicro())
		b.SetInt(num, int64(i+1))
		b.SetString(owner, row[0])
		b.SetString(alerts, row[1])
		b.SetString(labels, row[2])
		b.Commit()
	}
	_, err := db.Append(ctx, []*batch.Batch{b.Finish("b1", now.UnixMicro())})
	require.NoError(t, err)

	res, err := hunt.New(hunt.Config{}, cat, db).Run(ctx, hunt.Request{Query: `SecurityIncident
		| order by IncidentNumber asc
		| project Who = tostring(Owner.assignedTo), OwnerType = gettype(Owner), N = array_length(AlertIds),
		          First = tostring(AlertIds[0]), LabelType = gettype(Labels), Label = tostring(Labels)`})
	require.NoError(t, err)
	require.Equal(t, []any{"carol", "dictionary", float64(2), "a1", "string", "plain"}, normalize(res.Rows[0]))
	require.Equal(t, []any{"dave", "dictionary", float64(0), "", "string", "not json at all"}, normalize(res.Rows[1]),
		"text that is not JSON is kept as a string value")
}

// normalize turns integer cells into float64, as JSON would.
func normalize(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case int64:
			out[i] = float64(x)
		case int32:
			out[i] = float64(x)
		case int:
			out[i] = float64(x)
		default:
			out[i] = v
		}
	}
	return out
}
