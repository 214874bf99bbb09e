package sqlerr

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryRaisedNumberIsCatalogued scans the repository for
// sqlerr.New(<number>, ...) calls and checks each number has a catalogue
// row, so no error ever reaches a client as "not catalogued".
func TestEveryRaisedNumberIsCatalogued(t *testing.T) {
	root := filepath.Join("..")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "New" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "sqlerr" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.INT {
				return true
			}
			num, _ := strconv.Atoi(lit.Value)
			checked++
			if _, ok := catalog[num]; !ok {
				t.Errorf("%s: sqlerr.New(%d) has no catalogue row", fset.Position(call.Pos()), num)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d sqlerr.New calls found; the scan is broken", checked)
	}
}

func TestNewFillsFromCatalogue(t *testing.T) {
	e := New(2627, "PRIMARY KEY", "PK_t", "dbo.t", "1")
	if e.Severity != 14 || e.Code != UniqueViolation || e.State != 1 {
		t.Fatalf("2627: %+v", e)
	}
	if got := e.Text(); !strings.HasPrefix(got, "Msg 2627, Level 14, State 1: Violation of PRIMARY KEY") {
		t.Fatalf("Text() = %q", got)
	}
	if !New(3014, "BACKUP DATABASE", 1, 0.5, 2.0).IsNotice() {
		t.Fatal("severity 10 must be a notice")
	}
	if e := New(99999999); e.Code != Internal {
		t.Fatalf("unknown number: %+v", e)
	}
}
