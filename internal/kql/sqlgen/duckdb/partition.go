package duckdb

import "github.com/vigilsec/vigil/internal/kql/plan"

// partitionCtx names, for a partition body, the common table of the partition's input and the alias of the
// current key.
type partitionCtx struct {
	input, key string
}

// partition runs the body once per distinct key as a LATERAL subquery over the input rows with that key.
func (g *gen) partition(v *plan.Partition) string {
	input, keys, body := g.next(), g.next(), g.next()
	g.parts = append(g.parts, partitionCtx{input: input, key: keys})
	sub := g.node(v.Body)
	g.parts = g.parts[:len(g.parts)-1]
	return "WITH " + input + " AS (" + g.node(v.Input) + ") SELECT " + colList(v.Body.Schema(), body+".") +
		" FROM (SELECT DISTINCT " + quoteIdent(v.Key) + " FROM " + input + ") AS " + keys + ", LATERAL (" + sub + ") AS " + body
}

// partitionRows reads the input rows of the current partition.
func (g *gen) partitionRows(v *plan.PartitionRows) string {
	if len(g.parts) == 0 {
		g.fail("partition rows outside partition")
	}
	p := g.parts[len(g.parts)-1]
	return "SELECT * FROM " + p.input + " WHERE " + p.input + "." + quoteIdent(v.Key) + " IS NOT DISTINCT FROM " + p.key + "." + quoteIdent(v.Key)
}
