// Package kqltest is the golden-file harness of the KQL compiler tests: it
// reads txtar files with a "kql" section and expected output sections,
// compares them with what a test computes, and rewrites them with -update.
package kqltest

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

// Case is one golden file.
type Case struct {
	Path     string
	Archive  *txtar.Archive
	Sections map[string]string
}

// Section returns the text of a section ("" when absent).
func (c *Case) Section(name string) string { return c.Sections[name] }

// Load reads every *.txtar file under dir (recursively).
func Load(tb testing.TB, dir string) []*Case {
	tb.Helper()
	var cases []*Case
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txtar") {
			return err
		}
		a, err := txtar.ParseFile(p)
		if err != nil {
			return err
		}
		c := &Case{Path: p, Archive: a, Sections: map[string]string{}}
		for _, f := range a.Files {
			c.Sections[f.Name] = string(f.Data)
		}
		cases = append(cases, c)
		return nil
	})
	if err != nil {
		tb.Fatalf("load golden files: %v", err)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Path < cases[j].Path })
	return cases
}

// Check compares got (section name → text) with the case's sections. Only
// the sections named in got are compared; with update set, they are
// rewritten instead (and sections of outputs not produced are removed when
// listed in drop).
func Check(t *testing.T, c *Case, got map[string]string, update bool, drop ...string) {
	t.Helper()
	norm := func(s string) string { return strings.TrimRight(s, "\n") + "\n" }
	if update {
		var files []txtar.File
		seen := map[string]bool{}
		for _, f := range c.Archive.Files {
			if v, ok := got[f.Name]; ok {
				f.Data = []byte(norm(v))
				seen[f.Name] = true
			} else if contains(drop, f.Name) {
				continue
			}
			files = append(files, f)
		}
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !seen[n] {
				files = append(files, txtar.File{Name: n, Data: []byte(norm(got[n]))})
			}
		}
		c.Archive.Files = files
		if err := os.WriteFile(c.Path, txtar.Format(c.Archive), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, g := range got {
		want, ok := c.Sections[name]
		if !ok {
			t.Errorf("%s: missing section %q; run with -update. got:\n%s", c.Path, name, g)
			continue
		}
		if d := cmp.Diff(norm(want), norm(g)); d != "" {
			t.Errorf("%s: section %q differs (-want +got):\n%s", c.Path, name, d)
		}
	}
	for _, n := range drop {
		if _, ok := c.Sections[n]; ok {
			if _, produced := got[n]; !produced {
				t.Errorf("%s: section %q is not produced any more; run with -update", c.Path, n)
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
