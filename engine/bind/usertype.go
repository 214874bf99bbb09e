package bind

import (
	"strings"

	"mirrordb/parser"
	"mirrordb/sqlerr"
)

// The system procedures that are older spellings of the alias type
// statements bind here into those statements: the engine runs them as
// the statements, completed as EXEC completes.

// AddTypeStatement is the CREATE TYPE that EXEC sp_addtype name, 'base
// type' [, 'NULL' | 'NOT NULL' | 'NONULL'] spells (201 for too few or
// too many arguments, 102 for one it cannot read), placed at the EXEC.
func (b *Binder) AddTypeStatement(x *parser.Exec) (*parser.CreateType, error) {
	if len(x.Args) < 2 || len(x.Args) > 4 {
		return nil, b.ErrAt(x, sqlerr.New(201, "sp_addtype", "@phystype"))
	}
	text := make([]string, 3)
	for i, a := range x.Args[:min(len(x.Args), 3)] {
		switch v := a.Value.(type) {
		case *parser.Literal:
			text[i] = v.Value
		case *parser.ColumnRef:
			text[i] = strings.Join(v.Parts, ".")
		default:
			return nil, b.ErrAt(a, sqlerr.New(102, a.Value.String()))
		}
	}
	null := strings.ToUpper(strings.TrimSpace(text[2]))
	if null != "" && null != "NULL" && null != "NOT NULL" && null != "NONULL" {
		return nil, b.ErrAt(x, sqlerr.New(102, text[2]))
	}
	if null == "NONULL" {
		null = "NOT NULL"
	}
	src := "CREATE TYPE [" + strings.ReplaceAll(text[0], "]", "]]") + "] FROM " + text[1] + " " + null
	stmts, err := parser.ParseBatch(parser.BatchText{Text: src, Line: 1, Count: 1})
	var ct *parser.CreateType
	if err == nil && len(stmts) == 1 {
		ct, _ = stmts[0].(*parser.CreateType)
	}
	if ct == nil {
		return nil, b.ErrAt(x, sqlerr.New(102, text[1]))
	}
	ct.Pos, ct.Name.Pos, ct.Base.Pos = x.Pos, x.Pos, x.Pos
	return ct, nil
}

// DropTypeStatement is the DROP TYPE that EXEC sp_droptype 'name'
// spells (201, 102 for a name not given as a string).
func (b *Binder) DropTypeStatement(x *parser.Exec) (*parser.DropType, error) {
	if len(x.Args) != 1 {
		return nil, b.ErrAt(x, sqlerr.New(201, "sp_droptype", "@typename"))
	}
	lit, ok := x.Args[0].Value.(*parser.Literal)
	if !ok || (lit.Kind != parser.LitString && lit.Kind != parser.LitNString) {
		return nil, b.ErrAt(x.Args[0], sqlerr.New(102, x.Args[0].Value.String()))
	}
	name := parser.ObjectName{Pos: lit.Pos, Parts: strings.Split(lit.Value, ".")}
	return &parser.DropType{Pos: x.Pos, Name: name}, nil
}
