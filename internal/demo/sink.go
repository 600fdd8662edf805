package demo

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DirSink is a [Sink] that writes each table to DIR/<Table>.ndjson. It is not safe for concurrent use; Close
// flushes and closes the files.
type DirSink struct {
	dir   string
	files map[string]*os.File
	bufs  map[string]*bufio.Writer
	order []string
}

var _ Sink = (*DirSink)(nil)

// NewDirSink creates dir if needed and returns a sink writing into it. Existing table files are truncated.
func NewDirSink(dir string) (*DirSink, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &DirSink{dir: dir, files: map[string]*os.File{}, bufs: map[string]*bufio.Writer{}}, nil
}

// Write appends ndjson to the table's file.
func (s *DirSink) Write(table string, ndjson []byte) error {
	w, ok := s.bufs[table]
	if !ok {
		if !validName(table) {
			return fmt.Errorf("demo: invalid table name %q", table)
		}
		f, err := os.Create(filepath.Join(s.dir, table+".ndjson"))
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		w = bufio.NewWriterSize(f, 1<<20)
		s.files[table], s.bufs[table] = f, w
		s.order = append(s.order, table)
	}
	if _, err := w.Write(ndjson); err != nil {
		return fmt.Errorf("demo: write %s: %w", table, err)
	}
	return nil
}

// Close flushes and closes every file; it returns the first error.
func (s *DirSink) Close() error {
	var errs []error
	for _, table := range s.order {
		if err := s.bufs[table].Flush(); err != nil {
			errs = append(errs, fmt.Errorf("demo: flush %s: %w", table, err))
		}
		if err := s.files[table].Close(); err != nil {
			errs = append(errs, fmt.Errorf("demo: close %s: %w", table, err))
		}
	}
	s.files, s.bufs, s.order = map[string]*os.File{}, map[string]*bufio.Writer{}, nil
	return errors.Join(errs...)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
