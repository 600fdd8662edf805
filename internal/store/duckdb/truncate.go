package duckdb

import (
	"context"
	"fmt"

	"github.com/vigilsec/vigil/internal/schema"
)

// DeleteAll removes every row of t and forgets the batches written to it, so the same batch can be appended again.
// It serves scratch databases (the NRT rules' batch mode), not the event store.
func (d *DB) DeleteAll(ctx context.Context, t *schema.Table) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if _, err := d.wconn.ExecContext(ctx, "DELETE FROM "+QuoteIdent(baseName(t.Name))); err != nil {
		return fmt.Errorf("delete rows of %s: %w", t.Name, err)
	}
	if _, err := d.wconn.ExecContext(ctx, `DELETE FROM "_vigil_batches" WHERE table_name = ?`, t.Name); err != nil {
		return fmt.Errorf("forget batches of %s: %w", t.Name, err)
	}
	return nil
}
