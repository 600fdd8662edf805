// Package duckdb is the embedded event store: one DuckDB database file holding one table per schema table.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/schema"
	"github.com/vigilsec/vigil/internal/store"
	"github.com/vigilsec/vigil/internal/store/duckdb/udf"
)

var _ store.Events = (*DB)(nil)

// Options tune the store.
type Options struct {
	// Threads caps DuckDB's worker threads (0: DuckDB's default, the number of cores).
	Threads int
	// MemoryLimit caps DuckDB's memory, such as "1GB" ("" : DuckDB's default).
	MemoryLimit string
	// CheckpointThreshold is the write-ahead-log size that triggers a checkpoint, such as "512MB" ("": 512MB).
	// DuckDB's own default (16MB) makes a steady stream of small appends rewrite the last, partly filled row group
	// of every table being written at each checkpoint; a larger log checkpoints less often, at the price of a
	// longer log replay after a crash.
	CheckpointThreshold string
	// RowAppender writes through DuckDB's row appender instead of the columnar path (vigil_batch_scan). Only the
	// benchmark's raw-appender baseline sets it.
	RowAppender bool
	// WAL keeps DuckDB's write-ahead log, so that each commit is durable by itself. Without it (the default for a
	// database file) a commit is durable only once a checkpoint has written it into the file
	// ([DB.CommitsNeedCheckpoint]): the pipeline writer acknowledges the stream only after that checkpoint, and
	// the stream, which already holds every batch durably, serves as the log. Writing each row a second time into
	// the log cost the writer about a tenth of the ingest benchmark's CPU (docs/ingest-performance.md, "The stream
	// as the store's log, session 8").
	WAL bool
}

// catalogName is the name the database file is attached under when it is written without a write-ahead log.
const catalogName = "events"

// DB is a DuckDB event store. It is safe for concurrent use.
type DB struct {
	connector *duck.Connector
	db        *sql.DB
	// noWAL: the file is attached without a write-ahead log; commits are durable only after a checkpoint.
	noWAL bool

	// The writer's own connection, used for appends under one transaction at a time.
	wmu   sync.Mutex
	wconn *sql.Conn
	wraw  driver.Conn

	tmu    sync.Mutex
	tables map[string]*tableInfo

	rowAppender bool
	scans       scanJobs
	fillPool    fillPool // C memory for the long strings of vigil_batch_scan's chunks
}

// Open opens (creating if needed) the store at path, a file.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create store directory: %w", err)
	}
	var initSQL []string
	if opts.Threads > 0 {
		initSQL = append(initSQL, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	if opts.CheckpointThreshold == "" {
		opts.CheckpointThreshold = "512MB"
	}
	initSQL = append(initSQL, "SET checkpoint_threshold = "+quoteString(opts.CheckpointThreshold))
	if opts.MemoryLimit != "" {
		initSQL = append(initSQL, "SET memory_limit = "+quoteString(opts.MemoryLimit))
	}
	open := path
	noWAL := path != "" && !opts.WAL
	if noWAL {
		// An in-memory database with the file attached, so the attach can say RECOVERY_MODE NO_WAL_WRITES. Each
		// connection of the pool runs these; the attach is done once.
		if err := replayLog(ctx, path); err != nil {
			return nil, err
		}
		open = ""
		initSQL = append(initSQL,
			"SET temp_directory = "+quoteString(path+".tmp"), // a file database's default; an in-memory one would use ./.tmp
			"ATTACH IF NOT EXISTS "+quoteString(path)+" AS "+QuoteIdent(catalogName)+" (RECOVERY_MODE NO_WAL_WRITES)",
			"USE "+QuoteIdent(catalogName))
	}
	connector, err := duck.NewConnector(open, func(execer driver.ExecerContext) error {
		for _, q := range initSQL {
			if _, err := execer.ExecContext(ctx, q, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open duckdb %s: %w", path, err)
	}
	d := &DB{connector: connector, db: sql.OpenDB(connector), tables: map[string]*tableInfo{}, rowAppender: opts.RowAppender, noWAL: noWAL}
	if err := d.init(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// replayLog writes a write-ahead log left by a store that kept one (an earlier version, or store.wal) into the
// database file, by opening the file once the ordinary way, which replays the log, and checkpointing it.
func replayLog(ctx context.Context, path string) error {
	if _, err := os.Stat(path + ".wal"); err != nil {
		return nil
	}
	c, err := duck.NewConnector(path, nil)
	if err != nil {
		return fmt.Errorf("open duckdb %s to replay its write-ahead log: %w", path, err)
	}
	db := sql.OpenDB(c)
	_, err = db.ExecContext(ctx, "CHECKPOINT")
	err = errors.Join(err, db.Close(), c.Close())
	if err != nil {
		return fmt.Errorf("replay the write-ahead log of %s: %w", path, err)
	}
	return nil
}

func (d *DB) init(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS "_vigil_batches" (id VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL, row_count BIGINT NOT NULL, written_at TIMESTAMP NOT NULL)`); err != nil {
		return fmt.Errorf("create batch ledger: %w", err)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("writer connection: %w", err)
	}
	d.wconn = conn
	if err := udf.RegisterAll(ctx, conn); err != nil {
		return err
	}
	if err := d.registerScan(conn); err != nil {
		return fmt.Errorf("register %s: %w", scanFunction, err)
	}
	return conn.Raw(func(dc any) error {
		raw, ok := dc.(driver.Conn)
		if !ok {
			return errors.New("duckdb driver connection is not a driver.Conn")
		}
		d.wraw = raw
		return nil
	})
}

// SQLType returns the DuckDB type that stores KQL type t.
func SQLType(t schema.Type) string {
	switch t {
	case schema.TypeInt:
		return "INTEGER"
	case schema.TypeLong:
		return "BIGINT"
	case schema.TypeReal, schema.TypeDecimal:
		return "DOUBLE"
	case schema.TypeBool:
		return "BOOLEAN"
	case schema.TypeDatetime:
		return "TIMESTAMP"
	case schema.TypeTimespan:
		return "INTERVAL"
	case schema.TypeDynamic:
		return "JSON"
	default:
		return "VARCHAR"
	}
}

// QuoteIdent quotes a SQL identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// Hidden storage columns behind _ItemId. An event's id is its batch id and its row in the batch; storing the two
// parts (the batch id repeats along a run of rows, so it compresses to almost nothing) and computing _ItemId on
// read costs far less at ingest than a distinct string per row.
const (
	colBatchID = "_BatchId"
	colRow     = "_Row"
)

// Each schema table is stored sparsely: a base table "_t_<Name>" holds only the columns some event has set (plus
// the time and system columns), and the view "<Name>" shows every catalogue column, NULL where the base table has
// none. Wide tables such as DeviceEvents have 80 documented columns of which a source fills 15: appending and
// checkpointing dozens of all-NULL columns cost DuckDB about as much as the real ones. Queries read the view and
// DuckDB folds the NULL columns away.
func baseName(table string) string { return "_t_" + table }

// tableInfo is what the store knows of one table.
type tableInfo struct {
	def      *schema.Table
	physical map[string]bool // lower-case names of the base table's columns
}

// EnsureTable implements [store.Events]: it creates the base table with the time and system columns and (re)creates
// the view over the catalogue definition t.
func (d *DB) EnsureTable(ctx context.Context, t *schema.Table) error {
	d.tmu.Lock()
	defer d.tmu.Unlock()
	info, ok := d.tables[t.Name]
	if !ok {
		have, err := d.storedColumns(ctx, baseName(t.Name))
		if err != nil {
			return err
		}
		if len(have) == 0 {
			tc, _, ok := t.Column(t.TimeColumn)
			if !ok {
				return fmt.Errorf("table %s: no time column", t.Name)
			}
			q := "CREATE TABLE IF NOT EXISTS " + QuoteIdent(baseName(t.Name)) + " (" + columnDef(tc) + ", " +
				QuoteIdent(colBatchID) + " VARCHAR, " + QuoteIdent(colRow) + " INTEGER, " +
				QuoteIdent(schema.ColTimeReceived) + " TIMESTAMP)"
			if _, err := d.db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("create table %s: %w", t.Name, err)
			}
			have = map[string]bool{strings.ToLower(tc.Name): true, strings.ToLower(colBatchID): true,
				strings.ToLower(colRow): true, strings.ToLower(schema.ColTimeReceived): true}
		}
		info = &tableInfo{physical: have}
	}
	if info.def == t {
		return nil
	}
	info.def = t
	if _, err := d.db.ExecContext(ctx, viewSQL(t, info.physical)); err != nil {
		return fmt.Errorf("create view %s: %w", t.Name, err)
	}
	d.tables[t.Name] = info
	return nil
}

// viewSQL renders the view of t over its base table.
func viewSQL(t *schema.Table, physical map[string]bool) string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW " + QuoteIdent(t.Name) + " AS SELECT ")
	for i, c := range t.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		switch {
		case c.Name == schema.ColItemID:
			b.WriteString(QuoteIdent(colBatchID) + " || '-' || CAST(" + QuoteIdent(colRow) + " AS VARCHAR) AS " + QuoteIdent(c.Name))
		case physical[strings.ToLower(c.Name)]:
			b.WriteString(QuoteIdent(c.Name))
		default:
			b.WriteString("CAST(NULL AS " + SQLType(c.Type) + ") AS " + QuoteIdent(c.Name))
		}
	}
	b.WriteString(" FROM " + QuoteIdent(baseName(t.Name)))
	return b.String()
}

// addColumns adds to the base table of table the columns of names it lacks, and re-creates the view, on the
// writer's connection (inside its transaction).
func (d *DB) addColumns(ctx context.Context, table string, names []string) error {
	d.tmu.Lock()
	defer d.tmu.Unlock()
	info, ok := d.tables[table]
	if !ok {
		return fmt.Errorf("table %s: EnsureTable was not called", table)
	}
	var added []string
	for _, n := range names {
		if info.physical[strings.ToLower(n)] {
			continue
		}
		c, _, ok := info.def.Column(n)
		if !ok {
			return fmt.Errorf("table %s has no column %s", table, n)
		}
		q := "ALTER TABLE " + QuoteIdent(baseName(table)) + " ADD COLUMN " + columnDef(c)
		if _, err := d.wconn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("add column %s.%s: %w", table, n, err)
		}
		added = append(added, strings.ToLower(n))
	}
	if len(added) == 0 {
		return nil
	}
	next := make(map[string]bool, len(info.physical)+len(added))
	for k := range info.physical {
		next[k] = true
	}
	for _, k := range added {
		next[k] = true
	}
	if _, err := d.wconn.ExecContext(ctx, viewSQL(info.def, next)); err != nil {
		return fmt.Errorf("update view %s: %w", table, err)
	}
	// The new set takes effect for later appends only once the transaction commits; on rollback the caller calls
	// forgetColumns.
	info.physical = next
	return nil
}

// reloadColumns re-reads a base table's columns after a rolled-back transaction.
func (d *DB) reloadColumns(ctx context.Context, table string) {
	d.tmu.Lock()
	defer d.tmu.Unlock()
	if info, ok := d.tables[table]; ok {
		if have, err := d.storedColumns(ctx, baseName(table)); err == nil && len(have) > 0 {
			info.physical = have
		}
	}
}

func columnDef(c schema.Column) string { return QuoteIdent(c.Name) + " " + SQLType(c.Type) }

func (d *DB) storedColumns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main' AND table_name = ?`, table)
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out[strings.ToLower(name)] = true
	}
	return out, rows.Err()
}

// Tables returns the names of the event tables the store holds.
func (d *DB) Tables(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main' AND table_type = 'VIEW' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Append implements [store.Events]. The batch ids go into a ledger in the same transaction as the rows; ids already
// in the ledger are skipped.
func (d *DB) Append(ctx context.Context, batches []*batch.Batch) (skipped []*batch.Batch, err error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if _, err := d.wconn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_, _ = d.wconn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			for _, b := range batches {
				d.reloadColumns(context.WithoutCancel(ctx), b.Table)
			}
		}
	}()
	seen, err := d.knownBatches(ctx, batches)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	// Batches of one table go through one appender: creating an appender costs far more than a row.
	var order []string
	byTable := map[string][]*batch.Batch{}
	for _, b := range batches {
		if seen[b.ID] {
			skipped = append(skipped, b)
			continue
		}
		seen[b.ID] = true
		if _, ok := byTable[b.Table]; !ok {
			order = append(order, b.Table)
		}
		byTable[b.Table] = append(byTable[b.Table], b)
	}
	for _, table := range order {
		if err := d.appendTable(ctx, table, byTable[table]); err != nil {
			return nil, fmt.Errorf("append to %s: %w", table, err)
		}
	}
	var written []*batch.Batch
	for _, table := range order {
		written = append(written, byTable[table]...)
	}
	if err := d.recordBatches(ctx, written, now); err != nil {
		return nil, err
	}
	if _, err := d.wconn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return skipped, nil
}

// recordBatches adds the ids of the batches written to the ledger, in one statement: each statement costs DuckDB a
// parse, a plan and a scheduled task, about 0.5–1 ms of CPU on this machine, which one INSERT per batch paid eight
// times per transaction.
func (d *DB) recordBatches(ctx context.Context, written []*batch.Batch, now time.Time) error {
	if len(written) == 0 {
		return nil
	}
	var q strings.Builder
	args := make([]any, 0, 4*len(written))
	q.WriteString(`INSERT INTO "_vigil_batches" VALUES `)
	for i, b := range written {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?)")
		args = append(args, b.ID, b.Table, b.Len, now)
	}
	if _, err := d.wconn.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("record batches: %w", err)
	}
	return nil
}

// knownBatches returns which of the batches' ids the ledger already holds.
func (d *DB) knownBatches(ctx context.Context, batches []*batch.Batch) (map[string]bool, error) {
	seen := make(map[string]bool, len(batches))
	if len(batches) == 0 {
		return seen, nil
	}
	args := make([]any, len(batches))
	marks := make([]string, len(batches))
	for i, b := range batches {
		args[i], marks[i] = b.ID, "?"
	}
	rows, err := d.wconn.QueryContext(ctx, `SELECT id FROM "_vigil_batches" WHERE id IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read batch ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		seen[id] = true
	}
	return seen, rows.Err()
}

// PruneLedger forgets batch ids recorded before cutoff. Replays older than the stream's retention cannot happen, so
// ids older than that need not be remembered.
func (d *DB) PruneLedger(ctx context.Context, cutoff time.Time) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM "_vigil_batches" WHERE written_at < ?`, cutoff.UTC())
	return err
}

// appendTable appends the rows of batches, all of one table, over the union of their columns: through the columnar
// path (scan.go), or with Options.RowAppender through one row appender.
func (d *DB) appendTable(ctx context.Context, table string, batches []*batch.Batch) error {
	pos := map[string]int{}
	var names []string
	for _, b := range batches {
		for _, c := range b.Columns {
			if c.Name == schema.ColItemID || c.Name == schema.ColTimeReceived {
				continue
			}
			if _, ok := pos[c.Name]; !ok {
				pos[c.Name] = len(names)
				names = append(names, c.Name)
			}
		}
	}
	if err := d.addColumns(ctx, table, names); err != nil {
		return err
	}
	if !d.rowAppender {
		return d.insertTable(ctx, table, batches, names)
	}
	nData := len(names)
	names = append(names, colBatchID, colRow, schema.ColTimeReceived)
	app, err := duck.NewAppenderWithColumns(d.wraw, "", "", baseName(table), names)
	if err != nil {
		return err
	}
	row := make([]driver.Value, len(names))
	idx := make([]int, 0, nData)
	for _, b := range batches {
		received := time.UnixMicro(b.Received).UTC()
		// idx[k] is the appender position of the batch's k-th data column.
		idx = idx[:0]
		var cols []*batch.Column
		for _, c := range b.Columns {
			if p, ok := pos[c.Name]; ok {
				idx = append(idx, p)
				cols = append(cols, c)
			}
		}
		for i := 0; i < b.Len; i++ {
			clear(row[:nData])
			for k, c := range cols {
				row[idx[k]] = value(c, i)
			}
			row[nData] = b.ID
			row[nData+1] = int32(i)
			row[nData+2] = received
			if err := app.AppendRow(row...); err != nil {
				_ = app.Close()
				return err
			}
		}
	}
	return app.Close()
}

// value converts row i of c into what the appender takes for the column's DuckDB type.
func value(c *batch.Column, i int) driver.Value {
	if c.IsNull(i) {
		return nil
	}
	switch c.Type {
	case schema.TypeDatetime:
		return time.UnixMicro(c.Ints[i]).UTC()
	case schema.TypeTimespan:
		return duck.Interval{Micros: c.Ints[i]}
	case schema.TypeInt:
		return int32(c.Ints[i])
	case schema.TypeLong:
		return c.Ints[i]
	case schema.TypeReal, schema.TypeDecimal:
		return c.Floats[i]
	case schema.TypeBool:
		return c.Bools[i]
	case schema.TypeDynamic:
		// The appender JSON-encodes what it is given for a JSON column: a Go string would be stored as a JSON
		// string holding the text, so property access (json_extract) would find nothing. The batch holds JSON
		// text; it is handed over as raw JSON, or, should it not be valid JSON, as a string value.
		if s := c.Strs[i]; json.Valid([]byte(s)) {
			return json.RawMessage(s)
		}
		return c.Strs[i]
	default:
		return c.Strs[i]
	}
}

// DeleteBefore implements [store.Events].
func (d *DB) DeleteBefore(ctx context.Context, t *schema.Table, cutoff time.Time) (int64, error) {
	q := "DELETE FROM " + QuoteIdent(baseName(t.Name)) + " WHERE " + QuoteIdent(t.TimeColumn) + " < ?"
	res, err := d.db.ExecContext(ctx, q, cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("retention on %s: %w", t.Name, err)
	}
	return res.RowsAffected()
}

// RowCount returns how many rows the stored table holds.
func (d *DB) RowCount(ctx context.Context, table string) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM "+QuoteIdent(baseName(table))).Scan(&n)
	return n, err
}

// Checkpoint writes what was committed when it starts into the database file (with a write-ahead log: the log).
// It runs beside an open transaction of the writer, whose rows it leaves out.
func (d *DB) Checkpoint(ctx context.Context) error {
	q := "CHECKPOINT"
	if d.noWAL {
		q += " " + QuoteIdent(catalogName)
	}
	_, err := d.db.ExecContext(ctx, q)
	return err
}

// CommitsNeedCheckpoint says whether a commit is durable only once a later [DB.Checkpoint] has returned: true for a
// database file written without a write-ahead log (see [Options.WAL]).
func (d *DB) CommitsNeedCheckpoint() bool { return d.noWAL }

// Close implements [store.Events]. Without a write-ahead log it checkpoints first, so nothing committed is lost.
func (d *DB) Close() error {
	var errs []error
	if d.noWAL {
		if err := d.Checkpoint(context.Background()); err != nil {
			errs = append(errs, fmt.Errorf("checkpoint at close: %w", err))
		}
	}
	if d.wconn != nil {
		errs = append(errs, d.wconn.Close())
	}
	errs = append(errs, d.db.Close(), d.connector.Close())
	d.fillPool.close()
	return errors.Join(errs...)
}
