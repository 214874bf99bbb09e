package backup

import (
	"testing"

	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// literals is a Binder for statements whose options are literals: the
// engine's binder evaluates any constant expression.
type literals struct{}

func (literals) OptionValue(opt *parser.BackupOption) (types.Value, error) {
	switch v := opt.Value.(type) {
	case nil:
		return nil, nil
	case *parser.Literal:
		if v.Kind == parser.LitInt {
			d, _ := types.ParseDec(v.Value)
			return d, nil
		}
		return v.Value, nil
	}
	return nil, sqlerr.New(40517, "a non-literal option")
}
func (literals) At(_ parser.Pos, err error) error { return err }

func bind(t *testing.T, sql string) (*Statement, error) {
	t.Helper()
	st, err := parser.ParseStatement(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return Bind(st, literals{})
}

func TestBindOptions(t *testing.T) {
	for _, c := range []struct {
		sql  string
		want int // error number, 0 for none
	}{
		{`BACKUP DATABASE d TO DISK = 'a.bak' WITH FORMAT, STATS = 5`, 0},
		{`BACKUP DATABASE d TO DISK = 'a.bak' WITH NORECOVERY`, 155},
		{`BACKUP LOG d TO DISK = 'a.bak' WITH NORECOVERY`, 0},
		{`BACKUP DATABASE d TO DISK = 'a.bak', DISK = 'b.bak'`, 40517},
		{`BACKUP DATABASE d TO DISK = 'a.bak' WITH STATS = 101`, 155},
		{`BACKUP DATABASE d TO DISK = 'a.bak' WITH DIFFERENTIAL`, 40517},
		{`RESTORE DATABASE d FROM DISK = 'a.bak' WITH FILE = 0`, 4038},
		{`RESTORE DATABASE d FROM DISK = 'a.bak' WITH RECOVERY, NORECOVERY`, 3032},
		{`RESTORE DATABASE d FROM DISK = 'a.bak' WITH STOPAT = 'not a time'`, 241},
		{`RESTORE LOG d WITH RECOVERY`, 3032},
		{`RESTORE DATABASE d WITH RECOVERY`, 0},
	} {
		_, err := bind(t, c.sql)
		if c.want == 0 && err != nil {
			t.Errorf("%s: %v", c.sql, err)
		}
		if c.want != 0 && !sqlerr.Is(err, c.want) {
			t.Errorf("%s: %v, want %d", c.sql, err, c.want)
		}
	}
	st, err := bind(t, `BACKUP LOG d TO DISK = 'a.bak' WITH INIT, COPY_ONLY, NAME = 'n'`)
	if err != nil || st.Verb != "BACKUP LOG" || st.Database != "d" || st.Columns != nil {
		t.Fatalf("BACKUP LOG bound as %+v, %v", st, err)
	}
	st, err = bind(t, `RESTORE HEADERONLY FROM DISK = 'a.bak'`)
	if err != nil || st.Database != "" || len(st.Columns) != len(headerOnlyColumns) {
		t.Fatalf("RESTORE HEADERONLY bound as %+v, %v", st, err)
	}
}
