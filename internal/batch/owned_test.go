package batch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

func TestDecodeOwnedMatchesDecode(t *testing.T) {
	in := &batch.Batch{ID: "x", Table: "T", Received: 7, Len: 3, Columns: []*batch.Column{
		{Name: "s", Type: schema.TypeString, Strs: []string{"a", "", "ü"}, Null: []bool{false, true, false}},
		{Name: "t", Type: schema.TypeDatetime, Ints: []int64{5, -5, 1 << 40}},
		{Name: "r", Type: schema.TypeReal, Floats: []float64{1.5, 0, -2}},
		{Name: "b", Type: schema.TypeBool, Bools: []bool{true, false, true}}}}
	enc := batch.Encode(nil, in)
	want, err := batch.Decode(enc)
	require.NoError(t, err)
	got, err := batch.DecodeOwned(enc)
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = batch.DecodeOwned(enc[:len(enc)-1])
	require.ErrorIs(t, err, batch.ErrCorrupt)
	_, err = batch.DecodeOwned(nil)
	require.ErrorIs(t, err, batch.ErrCorrupt)
}

func FuzzDecodeOwned(f *testing.F) {
	f.Add(batch.Encode(nil, &batch.Batch{ID: "x", Table: "T", Len: 1, Columns: []*batch.Column{
		{Name: "s", Type: schema.TypeString, Strs: []string{"a"}}}}))
	f.Add([]byte("VB1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := batch.Decode(data)
		got, gerr := batch.DecodeOwned(append([]byte(nil), data...))
		require.Equal(t, werr == nil, gerr == nil)
		if werr == nil {
			require.Equal(t, want, got)
		}
	})
}

// Grow sizes the columns, those set so far and those set later, and changes nothing the batch holds.
func TestBuilderGrow(t *testing.T) {
	tb, ok := schema.NewCatalog().Table("Syslog")
	require.True(t, ok)
	_, pos, _ := tb.Column("Computer")
	_, tpos, _ := tb.Column("TimeGenerated")
	_, ppos, _ := tb.Column("ProcessID")
	build := func(grow int) *batch.Batch {
		b := batch.NewBuilder(tb)
		for i := 0; i < 10; i++ {
			if i == 4 && grow > 0 {
				b.Grow(grow)
			}
			b.Begin()
			b.SetInt(tpos, int64(i))
			if i%3 == 0 {
				b.SetString(pos, "h")
			}
			if i > 5 {
				b.SetInt(ppos, int64(i)) // first set after Grow
			}
			b.Commit()
		}
		return b.Finish("id", 1)
	}
	plain, sized := build(0), build(1000)
	require.Equal(t, plain, sized)
	for _, name := range []string{"Computer", "TimeGenerated", "ProcessID"} {
		c := sized.Column(name)
		require.GreaterOrEqual(t, cap(c.Strs)+cap(c.Ints), 1000, name)
	}
	require.GreaterOrEqual(t, cap(sized.Column("Computer").Null), 1000)
}
