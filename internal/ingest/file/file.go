// Package file imports events from a file or any other byte stream (an upload, a pipe): Windows event JSON,
// syslog text (with CEF and LEEF lines recognised among it), cloud audit records (CloudTrail, Entra, Microsoft 365,
// Okta, Google Workspace), or NDJSON holding a table's own columns. The format
// is given or detected from the first bytes, every record is judged on its own, and the rows are handed on in
// batches, one table per batch.
package file

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/ingest/parse/auditd"
	"github.com/vigilsec/vigil/internal/ingest/parse/ndjson"
	"github.com/vigilsec/vigil/internal/ingest/parse/winevent"
	"github.com/vigilsec/vigil/internal/schema"
)

// Format names accepted by [Import].
const (
	// FormatWinEvent is Windows event JSON (Velocidex evtx, evtx_dump, Winlogbeat, NXLog), lines or a stream.
	FormatWinEvent = "winevent"
	// FormatSyslog is syslog text, one message a line (RFC 3164 or 5424); CEF and LEEF lines among it are read as
	// such.
	FormatSyslog = "syslog"
	// FormatCEF is CEF lines, bare or after a syslog header.
	FormatCEF = "cef"
	// FormatLEEF is LEEF 1.0/2.0 lines, bare or after a syslog header.
	FormatLEEF = "leef"
	// FormatAuditd is Linux audit records (audit.log), bare or in syslog messages; syslog lines among them are read
	// as syslog.
	FormatAuditd = "auditd"
	// FormatNDJSON prefixes a table name ("ndjson:SecurityEvent"): NDJSON of that table's own columns. A bare
	// table name means the same.
	FormatNDJSON = "ndjson"
)

// Reject is a record that was not accepted: where it starts and why.
type Reject struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// Summary counts what an import did.
type Summary struct {
	// Format is the format read (detected when none was given).
	Format string `json:"format"`
	// Read counts the records read (blank lines are not records); Read = Accepted + Rejected.
	Read     int `json:"read"`
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// Rejects lists the first MaxRejects rejected records with their line and reason.
	Rejects []Reject `json:"rejects,omitempty"`
	// ByTable counts the rows emitted by table; one record may fill two tables (an sshd line fills Syslog and
	// DeviceLogonEvents).
	ByTable map[string]int `json:"by_table"`
}

// Options tune an import.
type Options struct {
	// Format names the input format; "" detects it (see [Detect]).
	Format string
	// MaxRejects caps how many rejects are listed one by one; 0 means [MaxRejects].
	MaxRejects int
	// DeviceTables also fills DeviceProcessEvents and DeviceLogonEvents from Windows Security 4688, 4624 and
	// 4625 (see windows.Normalizer).
	DeviceTables bool
	// Set, when not nil, gathers the rows instead of a set of the import's own and is not flushed at the end of the
	// input: the caller flushes it once after its last input, so that many small files (a .evtx file often holds
	// a handful of events) make full batches rather than a few-row store transaction each. Rows read before an
	// error stay in it. The summary's ByTable then counts the rows this import flushed, which can include earlier
	// inputs' rows; the caller adds its own final flush.
	Set *tables.Set
}

// Input is what a [ReadFunc] reads and where it writes.
type Input struct {
	// R is the input, already decompressed.
	R io.Reader
	// Out hands out the builders of the tables the rows go to.
	Out tables.Sink
	// Options are the import's options, MaxRejects filled in.
	Options Options
	// Flush hands the rows gathered in Out on; call it every few thousand records (the import flushes once more at
	// the end). It fails when emit does or the import's context is done.
	Flush func() error
}

// Counts is what a [ReadFunc] reports.
type Counts struct {
	Read, Accepted, Rejected int
	Rejects                  []Reject
}

// ReadFunc reads one format. It returns an error only when the read cannot go on (an I/O error, a failed flush);
// a bad record is a reject, counted and listed up to Options.MaxRejects.
type ReadFunc func(in Input) (Counts, error)

var (
	mu      sync.RWMutex
	readers = map[string]ReadFunc{}
	magics  []magic
)

type magic struct {
	prefix []byte
	format string
}

// RegisterMagic makes [Detect] name format for input that starts with prefix (an .evtx file starts with
// "ElfFile\x00"). It is meant to be called from init, next to [Register].
func RegisterMagic(format string, prefix []byte) {
	mu.Lock()
	defer mu.Unlock()
	magics = append(magics, magic{prefix: append([]byte(nil), prefix...), format: format})
}

// Register adds a format to [Import] (an .evtx binary reader, say, that renders records as Windows event JSON). It
// is meant to be called from init; registering a name twice panics.
func Register(name string, read ReadFunc) {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := readers[name]; ok {
		panic("file: format registered twice: " + name)
	}
	readers[name] = read
}

func init() {
	Register(FormatWinEvent, func(in Input) (Counts, error) {
		opts := winevent.Options{MaxRejects: in.Options.MaxRejects}
		opts.Normalizer.DeviceTables = in.Options.DeviceTables
		res, err := winevent.Read(in.R, in.Out, opts, in.Flush)
		c := Counts{Read: res.Read, Accepted: res.Accepted, Rejected: res.Rejected}
		for _, rj := range res.Rejects {
			c.Rejects = append(c.Rejects, Reject{Line: rj.Line, Error: rj.Error})
		}
		return c, err
	})
}

// MaxRejects is how many rejects a [Summary] lists one by one by default.
const MaxRejects = 100

// Import reads events in format from r with default options (see [ImportWith]).
func Import(ctx context.Context, r io.Reader, format string, cat *schema.Catalog, emit func(*batch.Batch) error) (Summary, error) {
	return ImportWith(ctx, r, Options{Format: format}, cat, emit)
}

// ImportWith reads events from r (gzip-compressed input is recognised and decompressed), normalises them into
// tables of cat and hands each batch to emit. An empty opts.Format is detected from the first bytes (see [Detect]);
// detected text is read line by line, each line as CEF, LEEF or syslog by its own header, while an explicit "cef"
// or "leef" rejects lines without that header. Records that cannot be read are counted and the first
// opts.MaxRejects listed; the error is for what stops the import (unknown format, I/O, emit, ctx).
func ImportWith(ctx context.Context, r io.Reader, opts Options, cat *schema.Catalog, emit func(*batch.Batch) error) (Summary, error) {
	sum := Summary{ByTable: map[string]int{}}
	if opts.MaxRejects <= 0 {
		opts.MaxRejects = MaxRejects
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return sum, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	format := opts.Format
	reader := format
	if format == "" {
		head, _ := br.Peek(8 << 10)
		format = Detect(head)
		if format == "" {
			return sum, errors.New("cannot detect the format: give one (winevent, syslog, cef, leef, ndjson:<Table>)")
		}
		reader = format
		if format == FormatCEF || format == FormatLEEF || format == FormatAuditd {
			// A detected text format reads every line by its own header.
			reader = FormatSyslog
		}
	}
	sum.Format = format
	set, shared := opts.Set, opts.Set != nil
	if !shared {
		set = tables.NewSet(cat)
	}
	flush := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return set.Flush(emit, sum.ByTable)
	}
	var c Counts
	var err error
	if table, ok := ndjsonTable(format, cat); ok {
		c, err = readNDJSON(br, set, table, opts.MaxRejects, flush)
	} else {
		mu.RLock()
		read, ok := readers[reader]
		mu.RUnlock()
		if !ok {
			return sum, fmt.Errorf("unknown format %q (want one of %s, or ndjson:<Table>)", format, strings.Join(Formats(), ", "))
		}
		c, err = read(Input{R: br, Out: set, Options: opts, Flush: flush})
	}
	sum.Read, sum.Accepted, sum.Rejected, sum.Rejects = c.Read, c.Accepted, c.Rejected, c.Rejects
	if shared {
		return sum, err
	}
	if err == nil {
		err = flush()
	}
	if err != nil {
		set.Discard()
	}
	return sum, err
}

// Formats lists the registered format names.
func Formats() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(readers))
	for name := range readers {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func ndjsonTable(format string, cat *schema.Catalog) (string, bool) {
	name, ok := strings.CutPrefix(format, FormatNDJSON+":")
	if !ok {
		name = format
	}
	if _, found := cat.Table(name); found {
		return name, true
	}
	return "", false
}

func readNDJSON(r io.Reader, set *tables.Set, table string, maxRejects int, flush func() error) (Counts, error) {
	b, err := set.Builder(table)
	if err != nil {
		return Counts{}, err
	}
	res, err := ndjson.Read(r, b, ndjson.Options{MaxRejects: maxRejects}, func(*batch.Builder) error { return flush() })
	c := Counts{Read: res.Read, Accepted: res.Accepted, Rejected: res.Rejected}
	for _, rj := range res.Rejects {
		c.Rejects = append(c.Rejects, Reject{Line: rj.Line, Error: rj.Error})
	}
	return c, err
}

// Detect guesses the format of a stream from its first bytes: a registered magic prefix (see [RegisterMagic]);
// a cloud audit format (CloudTrail, Entra sign-ins or audits, Microsoft 365, Okta, Google Workspace) by its field
// names; Windows event JSON when the first object has a System section, a winlog object or an EventID; CEF or LEEF when the first line carries their header; syslog for
// other text. It returns "" for JSON that is not a Windows event (NDJSON needs its table named).
func Detect(head []byte) string {
	mu.RLock()
	for _, m := range magics {
		if bytes.HasPrefix(head, m.prefix) {
			mu.RUnlock()
			return m.format
		}
	}
	mu.RUnlock()
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	if len(t) == 0 {
		return ""
	}
	if t[0] == '{' || t[0] == '[' {
		if f := detectCloud(t); f != "" {
			return f
		}
		for _, key := range []string{`"System"`, `"winlog"`, `"EventID"`, `"EventId"`} {
			if bytes.Contains(t, []byte(key)) {
				return FormatWinEvent
			}
		}
		return ""
	}
	first, _, _ := bytes.Cut(t, []byte("\n"))
	switch {
	case auditd.IsRecord(string(first)):
		return textFormat(FormatAuditd)
	case bytes.Contains(first, []byte("CEF:")):
		return textFormat(FormatCEF)
	case bytes.Contains(first, []byte("LEEF:")):
		return textFormat(FormatLEEF)
	}
	return textFormat(FormatSyslog)
}

// textFormat returns name when it is registered and syslog otherwise (the syslog reader dispatches CEF and LEEF
// lines itself).
func textFormat(name string) string {
	mu.RLock()
	defer mu.RUnlock()
	if _, ok := readers[name]; ok {
		return name
	}
	return FormatSyslog
}
