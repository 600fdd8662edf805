package duckdb

/*
#include <stdlib.h>

void vigilFillBind(void *);
void vigilFillInit(void *);
void vigilFillScan(void *, void *);
void vigilFillDelete(void *);

typedef void (*vigilFillInfoFn)(void *);
typedef void (*vigilFillScanFn)(void *, void *);
*/
import "C"

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime/cgo"
	"strconv"
	"unsafe"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// vigil_batch_scan is registered through DuckDB's C API (the mapping package) rather than duckdb-go's
// RegisterTableUDF, because only then does the scan hold the output chunk's vectors (fill.go). The callbacks below
// are the C functions DuckDB calls: bind (result columns of a job), init (which columns the query reads) and scan
// (fill one chunk). Go values reach DuckDB only as cgo handles stored in C memory; DuckDB calls vigilFillDelete
// when it no longer needs one.

// fillRegistration is what the registered function knows of its store.
type fillRegistration struct {
	jobs *scanJobs
	pool *fillPool
	// writerConn is the id of the writer's connection, whose INSERT statements reuse the arena per chunk.
	writerConn uint64
}

// fillBind is one bound call of the function: its job, and whether it is the writer's own INSERT.
type fillBind struct {
	reg      *fillRegistration
	job      *scanJob
	perChunk bool
}

// fillState is the state of one scan, with the vectors of the chunk being filled.
type fillState struct {
	scan *fillScan
	vecs []fillVector
}

// fillCapacity is the number of rows of DuckDB's chunks (STANDARD_VECTOR_SIZE).
var fillCapacity = int(mapping.VectorSize())

// registerScan registers vigil_batch_scan(job BIGINT) on the database of conn, serving the jobs of d.scans.
func (d *DB) registerScan(conn *sql.Conn) error {
	writer, err := duck.ConnId(conn)
	if err != nil {
		return err
	}
	return conn.Raw(func(dc any) error {
		c, err := fillConnection(dc)
		if err != nil {
			return err
		}
		f := mapping.CreateTableFunction()
		defer mapping.DestroyTableFunction(&f)
		mapping.TableFunctionSetName(f, scanFunction)
		t := mapping.CreateLogicalType(mapping.TypeBigInt)
		mapping.TableFunctionAddParameter(f, t)
		mapping.DestroyLogicalType(&t)
		mapping.TableFunctionSetExtraInfo(f, fillNewHandle(&fillRegistration{jobs: &d.scans, pool: &d.fillPool, writerConn: writer}), fillDeleteFn())
		mapping.TableFunctionSupportsProjectionPushdown(f, true)
		mapping.TableFunctionSetBind(f, unsafe.Pointer(C.vigilFillInfoFn(C.vigilFillBind)))
		mapping.TableFunctionSetInit(f, unsafe.Pointer(C.vigilFillInfoFn(C.vigilFillInit)))
		mapping.TableFunctionSetFunction(f, unsafe.Pointer(C.vigilFillScanFn(C.vigilFillScan)))
		if mapping.RegisterTableFunction(c, f) == mapping.StateError {
			return errors.New("duckdb refused the table function")
		}
		return nil
	})
}

// fillConnection returns the C API connection behind a duckdb-go driver connection. duckdb-go keeps it in the
// unexported field conn of its *Conn and offers no accessor; the field is looked up by name and type, so a
// duckdb-go that changes it makes Open fail with this error rather than misbehave.
func fillConnection(dc any) (mapping.Connection, error) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return mapping.Connection{}, fmt.Errorf("duckdb driver connection is a %T", dc)
	}
	f := v.Elem().FieldByName("conn")
	if !f.IsValid() || f.Type() != reflect.TypeFor[mapping.Connection]() {
		return mapping.Connection{}, fmt.Errorf("duckdb driver connection %T has no C API connection field", dc)
	}
	c := *(*mapping.Connection)(unsafe.Pointer(f.UnsafeAddr()))
	if c.Ptr == nil {
		return mapping.Connection{}, errors.New("duckdb driver connection is closed")
	}
	return c, nil
}

// fillNewHandle stores a handle of v in C memory for DuckDB to hold; vigilFillDelete frees it.
func fillNewHandle(v any) unsafe.Pointer {
	p := C.malloc(C.size_t(unsafe.Sizeof(cgo.Handle(0))))
	*(*cgo.Handle)(p) = cgo.NewHandle(v)
	return p
}

func fillValue[T any](p unsafe.Pointer) T { return (*(*cgo.Handle)(p)).Value().(T) }

func fillDeleteFn() unsafe.Pointer { return unsafe.Pointer(C.vigilFillInfoFn(C.vigilFillDelete)) }

// fillRecover turns a panic in a callback into a DuckDB error: a panic must not unwind into C.
func fillRecover(set func(string)) {
	if r := recover(); r != nil {
		set(fmt.Sprintf("%s: internal error: %v", scanFunction, r))
	}
}

//export vigilFillBind
func vigilFillBind(p unsafe.Pointer) {
	info := mapping.BindInfo{Ptr: p}
	defer fillRecover(func(msg string) { mapping.BindSetError(info, msg) })
	reg := fillValue[*fillRegistration](mapping.BindGetExtraInfo(info))
	v := mapping.BindGetParameter(info, 0)
	null := mapping.IsNullValue(v)
	var id int64
	if !null { // DuckDB aborts the process when asked the number of a NULL
		id = mapping.GetInt64(v)
	}
	mapping.DestroyValue(&v)
	j := reg.jobs.get(id)
	if null || j == nil {
		arg := strconv.FormatInt(id, 10)
		if null {
			arg = "NULL"
		}
		mapping.BindSetError(info, fmt.Sprintf("%s: no batches registered as %s", scanFunction, arg))
		return
	}
	add := func(name string, t mapping.Type) {
		lt := mapping.CreateLogicalType(t)
		mapping.BindAddResultColumn(info, name, lt)
		mapping.DestroyLogicalType(&lt)
	}
	for i, c := range j.cols {
		add("c"+strconv.Itoa(i), fillTypeOf(fillKindOf(c.Type)))
	}
	add("b", mapping.TypeVarchar)
	add("r", mapping.TypeInteger)
	add("t", mapping.TypeTimestamp)
	n := 0
	for _, b := range j.batches {
		n += b.b.Len
	}
	mapping.BindSetCardinality(info, mapping.IdxT(n), true)
	var cc mapping.ClientContext
	mapping.TableFunctionGetClientContext(info, &cc)
	conn := uint64(mapping.ClientContextGetConnectionId(cc))
	mapping.DestroyClientContext(&cc)
	b := &fillBind{reg: reg, job: j, perChunk: j.insert && conn == reg.writerConn}
	mapping.BindSetBindData(info, fillNewHandle(b), fillDeleteFn())
}

// fillTypeOf is the DuckDB type of a data column filled as k (dynamic: text, cast to JSON by the insert).
func fillTypeOf(k fillKind) mapping.Type {
	switch k {
	case fillInt32:
		return mapping.TypeInteger
	case fillInt64:
		return mapping.TypeBigInt
	case fillDouble:
		return mapping.TypeDouble
	case fillBool:
		return mapping.TypeBoolean
	case fillTime:
		return mapping.TypeTimestamp
	case fillInterval:
		return mapping.TypeInterval
	default:
		return mapping.TypeVarchar
	}
}

//export vigilFillInit
func vigilFillInit(p unsafe.Pointer) {
	info := mapping.InitInfo{Ptr: p}
	defer fillRecover(func(msg string) { mapping.InitSetError(info, msg) })
	b := fillValue[*fillBind](mapping.InitGetBindData(info))
	cols := make([]int, int(mapping.InitGetColumnCount(info)))
	for i := range cols {
		idx := uint64(mapping.InitGetColumnIndex(info, mapping.IdxT(i)))
		if idx == math.MaxUint64 { // DuckDB's row id
			cols[i] = fillRowIDColumn
		} else {
			cols[i] = int(min(idx, math.MaxInt32))
		}
	}
	scan, err := newFillScan(b.job, cols, &fillArena{pool: b.reg.pool})
	if err != nil {
		mapping.InitSetError(info, err.Error())
		return
	}
	scan.perChunk = b.perChunk
	mapping.InitSetInitData(info, fillNewHandle(&fillState{scan: scan, vecs: make([]fillVector, len(cols))}), fillDeleteFn())
	mapping.InitSetMaxThreads(info, 1)
}

//export vigilFillScan
func vigilFillScan(infoPtr, outPtr unsafe.Pointer) {
	info := mapping.FunctionInfo{Ptr: infoPtr}
	out := mapping.DataChunk{Ptr: outPtr}
	defer fillRecover(func(msg string) { mapping.FunctionSetError(info, msg) })
	s := fillValue[*fillState](mapping.FunctionGetInitData(info))
	if nc := int(mapping.DataChunkGetColumnCount(out)); nc != len(s.vecs) {
		mapping.FunctionSetError(info, fmt.Sprintf("%s: chunk has %d columns, the scan %d", scanFunction, nc, len(s.vecs)))
		return
	}
	for j := range s.vecs {
		v := mapping.DataChunkGetVector(out, mapping.IdxT(j))
		mapping.VectorEnsureValidityWritable(v)
		s.vecs[j] = fillVector{data: mapping.VectorGetData(v), validity: mapping.VectorGetValidity(v)}
	}
	n, err := s.scan.fill(s.vecs, fillCapacity)
	if err != nil {
		mapping.FunctionSetError(info, err.Error())
		return
	}
	mapping.DataChunkSetSize(out, mapping.IdxT(n))
}

//export vigilFillDelete
func vigilFillDelete(p unsafe.Pointer) {
	h := *(*cgo.Handle)(p)
	if s, ok := h.Value().(*fillState); ok {
		s.scan.arena.release()
	}
	h.Delete()
	C.free(p)
}
