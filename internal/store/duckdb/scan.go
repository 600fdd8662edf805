package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// The columnar write path. DuckDB's appender takes a row at a time (each value boxed in an interface, type-switched
// and copied into the appender's chunk, which DuckDB then copies again into a buffer before the table). Instead, the
// writer registers the batches of one table as a job and runs
//
//	INSERT INTO "_t_T" (cols, _BatchId, _Row, _TimeReceived) SELECT c0, c1, …, b, r, t FROM vigil_batch_scan(<job>)
//
// on its own connection: vigil_batch_scan is a table function that fills DuckDB's vectors straight from the batch
// columns, column by column, without a cgo call per value (fill.go, fill_cgo.go), and DuckDB's insert operator moves
// the chunks into the table. The statement runs inside the writer's transaction, so the ledger and the rows still
// commit together.

const scanFunction = "vigil_batch_scan"

// scanJobs holds the jobs the writer has registered, by id, for the table function to find at bind time.
type scanJobs struct {
	mu   sync.Mutex
	next int64
	jobs map[int64]*scanJob
}

func (s *scanJobs) add(j *scanJob) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	if s.jobs == nil {
		s.jobs = map[int64]*scanJob{}
	}
	s.jobs[s.next] = j
	return s.next
}

func (s *scanJobs) get(id int64) *scanJob {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs[id]
}

func (s *scanJobs) remove(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.jobs, id)
}

// scanJob is the rows of some batches of one table, as the table function returns them: the data columns named in
// cols, then _BatchId, _Row and _TimeReceived.
type scanJob struct {
	cols    []schema.Column
	batches []scanBatch
	// insert: the job is the writer's INSERT, whose scan may reuse its string memory from chunk to chunk (fill.go).
	insert bool
}

// scanBatch is one batch with its columns in the job's column order (nil where the batch lacks the column).
type scanBatch struct {
	b    *batch.Batch
	cols []*batch.Column
}

// newScanJob builds the job for batches, all of table t, over the union of their columns (names, in first-seen
// order).
func newScanJob(t *schema.Table, batches []*batch.Batch, names []string) (*scanJob, error) {
	j := &scanJob{cols: make([]schema.Column, len(names))}
	pos := make(map[string]int, len(names))
	for i, n := range names {
		c, _, ok := t.Column(n)
		if !ok {
			return nil, fmt.Errorf("table %s has no column %s", t.Name, n)
		}
		j.cols[i] = c
		pos[n] = i
	}
	for _, b := range batches {
		sb := scanBatch{b: b, cols: make([]*batch.Column, len(names))}
		for _, c := range b.Columns {
			if p, ok := pos[c.Name]; ok {
				if SQLType(c.Type) != SQLType(j.cols[p].Type) {
					return nil, fmt.Errorf("batch %s: column %s is %s, the table's is %s", b.ID, c.Name, c.Type, j.cols[p].Type)
				}
				sb.cols[p] = c
			}
		}
		j.batches = append(j.batches, sb)
	}
	return j, nil
}

// insertSQL is the statement that inserts job id's rows into table's base table.
func (j *scanJob) insertSQL(table string, id int64) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + QuoteIdent(baseName(table)) + " (")
	for _, c := range j.cols {
		b.WriteString(QuoteIdent(c.Name) + ", ")
	}
	b.WriteString(QuoteIdent(colBatchID) + ", " + QuoteIdent(colRow) + ", " + QuoteIdent(schema.ColTimeReceived) + ") SELECT ")
	for i, c := range j.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		// JSON columns arrive as text (already valid JSON, see scanDynamic) and are cast to JSON here.
		if c.Type == schema.TypeDynamic {
			b.WriteString("CAST(c" + strconv.Itoa(i) + " AS JSON)")
		} else {
			b.WriteString("c" + strconv.Itoa(i))
		}
	}
	if len(j.cols) > 0 {
		b.WriteString(", ")
	}
	b.WriteString("b, r, t FROM " + scanFunction + "(" + strconv.FormatInt(id, 10) + ")")
	return b.String()
}

// scanDynamic returns the JSON text stored for a dynamic value: the text itself when it is valid JSON, else the
// text as a JSON string (as the appender path stores it).
func scanDynamic(s string) string {
	if json.Valid([]byte(s)) {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

// insertTable inserts the rows of batches, all of one table, through vigil_batch_scan, on the writer's connection.
func (d *DB) insertTable(ctx context.Context, table string, batches []*batch.Batch, names []string) error {
	d.tmu.Lock()
	info, ok := d.tables[table]
	d.tmu.Unlock()
	if !ok {
		return fmt.Errorf("table %s: EnsureTable was not called", table)
	}
	j, err := newScanJob(info.def, batches, names)
	if err != nil {
		return err
	}
	j.insert = true
	id := d.scans.add(j)
	defer d.scans.remove(id)
	_, err = d.wconn.ExecContext(ctx, j.insertSQL(table, id))
	return err
}
