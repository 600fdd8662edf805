package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
)

// The columnar write path. DuckDB's appender takes a row at a time (each value boxed in an interface, type-switched
// and copied into the appender's chunk, which DuckDB then copies again into a buffer before the table). Instead, the
// writer registers the batches of one table as a job and runs
//
//	INSERT INTO "_t_T" (cols, _BatchId, _Row, _TimeReceived) SELECT c0, c1, …, b, r, t FROM vigil_batch_scan(<job>)
//
// on its own connection: vigil_batch_scan is a chunk table function that fills DuckDB's vectors straight from the
// batch columns, column by column, and DuckDB's insert operator moves the chunks into the table. The statement runs
// inside the writer's transaction, so the ledger and the rows still commit together.

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
}

// scanBatch is one batch with its columns in the job's column order (nil where the batch lacks the column).
type scanBatch struct {
	b        *batch.Batch
	cols     []*batch.Column
	received time.Time
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
		sb := scanBatch{b: b, cols: make([]*batch.Column, len(names)), received: time.UnixMicro(b.Received).UTC()}
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

// scanTypes are the DuckDB types the table function returns, by DuckDB type; they are created once.
type scanTypes map[duck.Type]duck.TypeInfo

func newScanTypes() (scanTypes, error) {
	s := scanTypes{}
	for _, t := range []duck.Type{duck.TYPE_VARCHAR, duck.TYPE_INTEGER, duck.TYPE_BIGINT, duck.TYPE_DOUBLE,
		duck.TYPE_BOOLEAN, duck.TYPE_TIMESTAMP, duck.TYPE_INTERVAL} {
		ti, err := duck.NewTypeInfo(t)
		if err != nil {
			return nil, err
		}
		s[t] = ti
	}
	return s, nil
}

// of returns the type the table function returns for a column of KQL type t (dynamic: text, cast to JSON by the
// insert).
func (s scanTypes) of(t schema.Type) duck.TypeInfo {
	switch t {
	case schema.TypeInt:
		return s[duck.TYPE_INTEGER]
	case schema.TypeLong:
		return s[duck.TYPE_BIGINT]
	case schema.TypeReal, schema.TypeDecimal:
		return s[duck.TYPE_DOUBLE]
	case schema.TypeBool:
		return s[duck.TYPE_BOOLEAN]
	case schema.TypeDatetime:
		return s[duck.TYPE_TIMESTAMP]
	case schema.TypeTimespan:
		return s[duck.TYPE_INTERVAL]
	default:
		return s[duck.TYPE_VARCHAR]
	}
}

// registerScan registers vigil_batch_scan(job BIGINT) on conn.
func (d *DB) registerScan(conn *sql.Conn) error {
	types, err := newScanTypes()
	if err != nil {
		return err
	}
	return duck.RegisterTableUDF(conn, scanFunction, duck.ChunkTableFunction{
		Config: duck.TableFunctionConfig{Arguments: []duck.TypeInfo{types[duck.TYPE_BIGINT]}},
		BindArguments: func(_ map[string]any, args ...any) (duck.ChunkTableSource, error) {
			id, _ := args[0].(int64)
			j := d.scans.get(id)
			if j == nil {
				return nil, fmt.Errorf("%s: no batches registered as %d", scanFunction, id)
			}
			infos := make([]duck.ColumnInfo, 0, len(j.cols)+3)
			for i, c := range j.cols {
				infos = append(infos, duck.ColumnInfo{Name: "c" + strconv.Itoa(i), T: types.of(c.Type)})
			}
			infos = append(infos, duck.ColumnInfo{Name: "b", T: types[duck.TYPE_VARCHAR]},
				duck.ColumnInfo{Name: "r", T: types[duck.TYPE_INTEGER]}, duck.ColumnInfo{Name: "t", T: types[duck.TYPE_TIMESTAMP]})
			return &scanSource{job: j, infos: infos}, nil
		},
	})
}

// scanSource serves one job's rows, a chunk at a time.
type scanSource struct {
	job   *scanJob
	infos []duck.ColumnInfo
	bi    int // current batch
	row   int // next row of it
}

func (s *scanSource) ColumnInfos() []duck.ColumnInfo { return s.infos }

func (s *scanSource) Cardinality() *duck.CardinalityInfo {
	n := 0
	for _, b := range s.job.batches {
		n += b.b.Len
	}
	return &duck.CardinalityInfo{Cardinality: uint(n), Exact: true}
}

func (s *scanSource) Init() {}

// FillChunk fills chunk with the next rows, never more than one batch at a time (so the batch id, row base and
// receive time are the same for the whole chunk).
func (s *scanSource) FillChunk(chunk duck.DataChunk) error {
	for s.bi < len(s.job.batches) && s.row >= s.job.batches[s.bi].b.Len {
		s.bi, s.row = s.bi+1, 0
	}
	if s.bi >= len(s.job.batches) {
		return chunk.SetSize(0)
	}
	sb := &s.job.batches[s.bi]
	lo := s.row
	hi := min(sb.b.Len, lo+duck.GetDataChunkCapacity())
	n := hi - lo
	for k, c := range sb.cols {
		if err := scanColumn(chunk, k, s.job.cols[k].Type, c, lo, hi); err != nil {
			return fmt.Errorf("column %s: %w", s.job.cols[k].Name, err)
		}
	}
	nd := len(sb.cols)
	for i := 0; i < n; i++ {
		if err := duck.SetChunkValue(chunk, nd, i, sb.b.ID); err != nil {
			return err
		}
		if err := duck.SetChunkValue(chunk, nd+1, i, int32(lo+i)); err != nil {
			return err
		}
		if err := duck.SetChunkValue(chunk, nd+2, i, sb.received); err != nil {
			return err
		}
	}
	s.row = hi
	return chunk.SetSize(n)
}

// scanColumn writes rows lo..hi of c (nil: all null) into output column k of chunk.
func scanColumn(chunk duck.DataChunk, k int, t schema.Type, c *batch.Column, lo, hi int) error {
	var err error
	for i := lo; i < hi && err == nil; i++ {
		out := i - lo
		if c == nil || c.IsNull(i) {
			err = chunk.SetValue(k, out, nil)
			continue
		}
		switch t {
		case schema.TypeDatetime:
			err = duck.SetChunkValue(chunk, k, out, time.UnixMicro(c.Ints[i]))
		case schema.TypeTimespan:
			err = duck.SetChunkValue(chunk, k, out, duck.Interval{Micros: c.Ints[i]})
		case schema.TypeInt:
			err = duck.SetChunkValue(chunk, k, out, int32(c.Ints[i]))
		case schema.TypeLong:
			err = duck.SetChunkValue(chunk, k, out, c.Ints[i])
		case schema.TypeReal, schema.TypeDecimal:
			err = duck.SetChunkValue(chunk, k, out, c.Floats[i])
		case schema.TypeBool:
			err = duck.SetChunkValue(chunk, k, out, c.Bools[i])
		case schema.TypeDynamic:
			err = duck.SetChunkValue(chunk, k, out, scanDynamic(c.Strs[i]))
		default:
			err = duck.SetChunkValue(chunk, k, out, c.Strs[i])
		}
	}
	return err
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
	id := d.scans.add(j)
	defer d.scans.remove(id)
	_, err = d.wconn.ExecContext(ctx, j.insertSQL(table, id))
	return err
}
