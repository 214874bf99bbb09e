package parser

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports enforces the layering: the parser imports participle,
// sqlerr and the standard library, nothing else (tests may also use
// datadriven).
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := func(path string, test bool) bool {
		switch {
		case strings.HasPrefix(path, "github.com/alecthomas/participle/v2"), path == "mirrordb/sqlerr":
			return true
		case test && path == "github.com/cockroachdb/datadriven":
			return true
		}
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".") && !strings.HasPrefix(path, "mirrordb")
	}
	fset := token.NewFileSet()
	for _, f := range files {
		ast, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowed(path, strings.HasSuffix(f, "_test.go")) {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
