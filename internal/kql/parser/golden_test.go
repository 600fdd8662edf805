package parser_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/txtar"

	"github.com/vigilsec/vigil/internal/kql/parser"
)

var update = flag.Bool("update", false, "rewrite the -- error -- sections of testdata/errors/*.txtar")

// TestErrorGolden parses the -- kql -- section of every
// testdata/errors/*.txtar file and compares the rendered errors (line:col,
// message, source line and caret) with its -- error -- section.
func TestErrorGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.txtar")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			require.NoError(t, err)
			var src string
			errIdx := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "kql":
					src = strings.TrimSuffix(string(f.Data), "\n")
				case "error":
					errIdx = i
				}
			}
			_, errs := parser.Parse(src)
			require.NotEmpty(t, errs, "query parses without errors")
			got := errs.Render(src) + "\n"
			if *update {
				if errIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "error"})
					errIdx = len(ar.Files) - 1
				}
				ar.Files[errIdx].Data = []byte(got)
				require.NoError(t, os.WriteFile(file, txtar.Format(ar), 0o644))
				return
			}
			require.GreaterOrEqual(t, errIdx, 0, "missing -- error -- section; run with -update")
			require.Equal(t, string(ar.Files[errIdx].Data), got)
		})
	}
}
