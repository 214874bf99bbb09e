package bind

import (
	"testing"

	"mirrordb/parser"
	"mirrordb/types"
)

func TestAddTypeStatement(t *testing.T) {
	b := ddlBinder()
	for text, want := range map[string]string{
		"EXEC sp_addtype 'Amount', 'decimal(10,2)', 'NULL'": "Amount decimal(10,2) true",
		"EXEC sp_addtype N'Code', 'char(4)', 'NONULL'":      "Code char(4) false",
		"EXEC sp_addtype [we]]ird], int":                    "we]ird int true",
	} {
		ct, err := b.AddTypeStatement(parseAs[*parser.Exec](t, b.Binder, text))
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		base, _ := types.FromName(ct.Base.Name, ct.Base.Args, ct.Base.Max)
		if got := ct.Name.Object() + " " + base.String() + " " + map[bool]string{true: "true", false: "false"}[ct.Nullable == nil || *ct.Nullable]; got != want || ct.Pos != ct.Name.Pos {
			t.Errorf("%s: %s, want %s placed at the EXEC", text, got, want)
		}
	}
	for _, c := range []errAt{
		{"EXEC sp_addtype 'Amount'", 201, "EXEC"},
		{"EXEC sp_addtype 'Amount', 'int', 'NULL', 1, 2", 201, "EXEC"},
		{"EXEC sp_addtype 'Amount', 1 + 1", 102, "1 + 1"},
		{"EXEC sp_addtype 'Amount', 'int', 'MAYBE'", 102, "EXEC"},
		{"EXEC sp_addtype 'Amount', 'int; SELECT 1'", 102, "EXEC"},
	} {
		_, err := b.AddTypeStatement(parseAs[*parser.Exec](t, b.Binder, c.text))
		wantErrAt(t, c.text, err, c.err, c.at)
	}
}

func TestDropTypeStatement(t *testing.T) {
	b := ddlBinder()
	if dt, err := b.DropTypeStatement(parseAs[*parser.Exec](t, b.Binder, "EXEC sp_droptype 'dbo.Code'")); err != nil || dt.Name.Object() != "Code" || dt.Name.Schema() != "dbo" {
		t.Errorf("%+v %v: want DROP TYPE dbo.Code", dt, err)
	}
	for _, c := range []errAt{
		{"EXEC sp_droptype", 201, "EXEC"},
		{"EXEC sp_droptype Code", 102, "Code"},
	} {
		_, err := b.DropTypeStatement(parseAs[*parser.Exec](t, b.Binder, c.text))
		wantErrAt(t, c.text, err, c.err, c.at)
	}
}
