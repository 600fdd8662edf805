package batch_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

func testTable(t testing.TB) *schema.Table {
	tb, ok := schema.NewCatalog().Table("DeviceProcessEvents")
	require.True(t, ok)
	return tb
}

func pos(t testing.TB, tb *schema.Table, name string) int {
	_, p, ok := tb.Column(name)
	require.True(t, ok, name)
	return p
}

func TestBuilderAndCodecRoundTrip(t *testing.T) {
	tb := testTable(t)
	b := batch.NewBuilder(tb)
	ts, dev, pid, extra := pos(t, tb, "Timestamp"), pos(t, tb, "DeviceName"), pos(t, tb, "ProcessId"), pos(t, tb, "AdditionalFields")

	b.Begin()
	b.SetInt(ts, 1000)
	b.SetString(dev, "ws-1")
	b.Commit()

	b.Begin()
	b.SetInt(ts, 900)
	b.SetInt(pid, 42)
	b.SetString(extra, `{"a":1}`)
	b.Commit()

	b.Begin()
	b.SetInt(ts, 5)
	b.SetString(dev, "dropped")
	b.Rollback()

	b.Begin()
	b.SetInt(ts, -7)
	b.SetString(dev, "ws-3")
	b.SetString(dev, "ws-3b")
	b.Commit()

	out := b.Finish("b1", 123)
	require.Equal(t, 3, out.Len)
	require.Equal(t, []any{int64(1000), int64(900), int64(-7)}, values(out.Column("Timestamp"), 3))
	require.Equal(t, []any{"ws-1", nil, "ws-3b"}, values(out.Column("DeviceName"), 3))
	require.Equal(t, []any{nil, int64(42), nil}, values(out.Column("ProcessId"), 3))
	require.Equal(t, []any{nil, `{"a":1}`, nil}, values(out.Column("AdditionalFields"), 3))
	require.Nil(t, out.Column("FileName"))

	enc := batch.Encode(nil, out)
	dec, err := batch.Decode(enc)
	require.NoError(t, err)
	require.Equal(t, out.ID, dec.ID)
	require.Equal(t, out.Table, dec.Table)
	require.Equal(t, out.Received, dec.Received)
	require.Equal(t, out.Len, dec.Len)
	require.Len(t, dec.Columns, len(out.Columns))
	for _, c := range out.Columns {
		require.Equal(t, values(c, 3), values(dec.Column(c.Name), 3), c.Name)
	}
	require.Equal(t, 0, b.Len(), "Finish resets the builder")
}

func TestAllKindsRoundTrip(t *testing.T) {
	in := &batch.Batch{ID: "x", Table: "T", Len: 9, Columns: []*batch.Column{
		{Name: "r", Type: schema.TypeReal, Floats: []float64{1.5, -2, 0, 3, 4, 5, 6, 7, 8}},
		{Name: "b", Type: schema.TypeBool, Bools: []bool{true, false, true, true, false, false, true, false, true},
			Null: []bool{false, false, false, false, false, false, false, false, true}},
		{Name: "s", Type: schema.TypeGUID, Strs: []string{"", "a", "ü", "", "", "", "", "", "z"}},
	}}
	dec, err := batch.Decode(batch.Encode(nil, in))
	require.NoError(t, err)
	for _, c := range in.Columns {
		require.Equal(t, values(c, 9), values(dec.Column(c.Name), 9))
	}
}

func TestDecodeRejectsCorruptInput(t *testing.T) {
	good := batch.Encode(nil, &batch.Batch{ID: "x", Table: "T", Len: 1, Columns: []*batch.Column{
		{Name: "s", Type: schema.TypeString, Strs: []string{"hello"}}}})
	for i := 0; i < len(good); i++ {
		_, err := batch.Decode(good[:i])
		require.ErrorIs(t, err, batch.ErrCorrupt, "truncated at %d", i)
	}
	_, err := batch.Decode(append(append([]byte{}, good...), 0))
	require.ErrorIs(t, err, batch.ErrCorrupt)
}

func FuzzDecode(f *testing.F) {
	f.Add(batch.Encode(nil, &batch.Batch{ID: "x", Table: "T", Len: 2, Columns: []*batch.Column{
		{Name: "s", Type: schema.TypeString, Strs: []string{"a", "b"}, Null: []bool{false, true}},
		{Name: "i", Type: schema.TypeLong, Ints: []int64{1, -1}},
		{Name: "f", Type: schema.TypeReal, Floats: []float64{1, 2}},
		{Name: "b", Type: schema.TypeBool, Bools: []bool{true, false}}}}))
	f.Add([]byte("VB1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := batch.Decode(data)
		if err != nil {
			return
		}
		// A decoded batch re-encodes to bytes that decode to the same batch.
		again, err := batch.Decode(batch.Encode(nil, b))
		require.NoError(t, err)
		require.Equal(t, b.Len, again.Len)
	})
}

func values(c *batch.Column, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = c.Value(i)
	}
	return out
}
