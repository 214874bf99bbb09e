package bind

import (
	"fmt"
	"strings"
	"testing"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

func TestImplicitOK(t *testing.T) {
	for _, c := range []struct {
		from, to types.Type
		ok       bool
	}{
		{types.TypeInt, types.NVarCharType(10), true},
		{types.VarCharType(5), types.TypeInt, true}, // a value error (245) still converts
		{types.TypeUnknown, types.TypeDateTime, true},
		{types.TypeUUID, types.TypeInt, false},
		{types.TypeDateTime, types.TypeInt, false},
	} {
		if got := ImplicitOK(c.from, c.to); got != c.ok {
			t.Errorf("ImplicitOK(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestProbeConvertsForEveryRepresentation(t *testing.T) {
	for _, k := range []types.Kind{types.Int, types.Bit, types.Decimal, types.Money, types.Float,
		types.VarChar, types.VarBinary, types.DateTime, types.UniqueIdentifier} {
		v := Probe(k)
		if v == nil {
			t.Fatalf("Probe(%s) is NULL", k)
		}
		if got := GoRepresentation(k); got == "unknown" {
			t.Errorf("GoRepresentation(%s) is unknown", k)
		}
	}
	if !exec.SameRepresentation(types.Int, types.Decimal) || exec.SameRepresentation(types.Int, types.VarChar) {
		t.Error("SameRepresentation: numbers compare with numbers, not with strings")
	}
}

func TestArithType(t *testing.T) {
	for _, c := range []struct {
		op   string
		l, r types.Type
		want types.Type
	}{
		{"*", types.DecimalType(10, 2), types.DecimalType(10, 2), types.DecimalType(21, 4)},
		{"+", types.DecimalType(5, 2), types.DecimalType(7, 0), types.DecimalType(10, 2)},
		// 51 digits, 21 of scale: capped at 38, keeping 8 of scale for the 30 integer digits.
		{"/", types.DecimalType(38, 10), types.DecimalType(10, 2), types.DecimalType(38, 8)},
		{"+", types.TypeSmallInt, types.TypeBigInt, types.TypeBigInt},
		{"+", types.TypeBit, types.TypeBit, types.TypeInt},
		{"*", types.TypeReal, types.TypeReal, types.TypeReal},
		{"*", types.TypeReal, types.TypeInt, types.TypeFloat},
	} {
		if got, _ := ArithType(c.op, c.l, c.r); got != c.want {
			t.Errorf("%s %s %s = %s, want %s", c.l, c.op, c.r, got, c.want)
		}
	}
	if got := OperandType(types.TypeInt, types.DecimalType(20, 2)); got != types.DecimalType(10, 0) {
		t.Errorf("an int operand of decimal arithmetic is %s, want decimal(10,0)", got)
	}
}

func TestLiteralValue(t *testing.T) {
	for _, c := range []struct {
		kind  parser.LiteralKind
		text  string
		want  types.Type
		value string
	}{
		{parser.LitInt, "2147483647", types.TypeInt, "2147483647"},
		{parser.LitInt, "2147483648", types.TypeBigInt, "2147483648"},
		{parser.LitInt, "99999999999999999999", types.DecimalType(20, 0), "99999999999999999999"},
		{parser.LitDecimal, "1.50", types.DecimalType(3, 2), "1.50"},
		{parser.LitDecimal, ".5", types.DecimalType(1, 1), "0.5"},
		{parser.LitString, "abc", types.VarCharType(3), "abc"},
		{parser.LitNString, "", types.NVarCharType(1), ""},
		{parser.LitBinary, "102", types.VarBinaryType(2), "\x01\x02"},
	} {
		v, typ, err := LiteralValue(&parser.Literal{Kind: c.kind, Value: c.text})
		if err != nil {
			t.Fatalf("%q: %v", c.text, err)
		}
		got := ""
		switch x := v.(type) {
		case []byte:
			got = string(x)
		case string:
			got = x
		default:
			got = fmt.Sprint(v)
		}
		if typ != c.want || got != c.value {
			t.Errorf("%q is %q of %s, want %q of %s", c.text, got, typ, c.value, c.want)
		}
	}
	_, _, err := LiteralValue(&parser.Literal{Kind: parser.LitInt, Value: strings.Repeat("9", 39)})
	if !sqlerr.Is(err, 1007) {
		t.Errorf("a 39-digit literal: %v, want Msg 1007", err)
	}
	if v, ok := DecimalLiteral(" 12 "); !ok || v != 12 {
		t.Errorf("DecimalLiteral(12) = %d, %v", v, ok)
	}
	if _, ok := DecimalLiteral("99999999999999999999"); ok {
		t.Error("DecimalLiteral accepted a value past bigint")
	}
	if c, ok := BoolLiteral(&parser.ColumnRef{Parts: []string{"TRUE"}}); !ok || c.(*exec.Const).V != true {
		t.Errorf("BoolLiteral(TRUE) = %v, %v", c, ok)
	}
	if _, ok := BoolLiteral(&parser.ColumnRef{Parts: []string{"t", "true"}}); ok {
		t.Error("a qualified column named true read as a literal")
	}
}

func TestLiteralArgsWidenStrings(t *testing.T) {
	lits := []parser.Literal{{Kind: parser.LitString, Value: "abc"}, {Kind: parser.LitNString, Value: strings.Repeat("x", 4001)},
		{Kind: parser.LitInt, Value: "7"}}
	args, ts, ok := LiteralArgs(lits, nil)
	if !ok || len(args) != 3 {
		t.Fatalf("LiteralArgs: %v %v %v", args, ts, ok)
	}
	want := []types.Type{types.VarCharType(8000), types.NVarCharType(types.MaxLength), types.TypeInt}
	for i := range want {
		if ts[i] != want[i] {
			t.Errorf("literal %d is typed %s, want %s", i, ts[i], want[i])
		}
	}
	if _, _, ok := LiteralArgs([]parser.Literal{{Kind: parser.LitDecimal, Value: "1." + strings.Repeat("1", 40)}}, nil); ok {
		t.Error("LiteralArgs accepted a literal that does not convert")
	}
}

func TestParamChecksRecordsEachTypeOnce(t *testing.T) {
	var c ParamChecks
	c.Record(2, types.TypeInt)
	c.Record(2, types.TypeInt)
	c.Record(2, types.TypeBit)
	got := c.ByParam()
	if len(got) != 3 || len(got[0]) != 0 || len(got[2]) != 2 {
		t.Errorf("ByParam = %v, want parameter 3 checked as int and bit", got)
	}
}

func TestCastTarget(t *testing.T) {
	to, _, err := CastTarget(parser.TypeName{Name: "varchar"}, false)
	if err != nil || to != types.VarCharType(30) {
		t.Errorf("CAST(x AS varchar) targets %s (%v), want varchar(30)", to, err)
	}
	if _, _, err := CastTarget(parser.TypeName{Name: "nosuchtype"}, false); !sqlerr.Is(err, 2715) {
		t.Errorf("an unknown type: %v, want Msg 2715", err)
	}
	if got := NumericTarget(&exec.Const{V: " 12.345 ", T: types.VarCharType(8)}); got != types.DecimalType(5, 3) {
		t.Errorf("numeric of '12.345' is %s, want decimal(5,3)", got)
	}
}

func TestAggregates(t *testing.T) {
	for _, c := range []struct {
		name string
		arg  types.Type
		want types.Type
		err  int
	}{
		{"SUM", types.TypeSmallInt, types.TypeInt, 0},
		{"AVG", types.DecimalType(10, 2), types.DecimalType(38, 6), 0},
		{"SUM", types.DecimalType(10, 8), types.DecimalType(38, 8), 0},
		{"MAX", types.VarCharType(5), types.VarCharType(5), 0},
		{"SUM", types.VarCharType(5), types.Type{}, 8117},
	} {
		got, err := AggResultType(c.name, &exec.Const{T: c.arg})
		if c.err != 0 {
			if err == nil || err.Number != c.err {
				t.Errorf("%s(%s): %v, want Msg %d", c.name, c.arg, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s(%s) = %s (%v), want %s", c.name, c.arg, got, err, c.want)
		}
	}
	sel, err := parser.ParseStatement("SELECT a + (SELECT MAX(x) FROM t) FROM t WHERE COUNT(*) OVER () > 1")
	if err != nil {
		t.Fatal(err)
	}
	s := sel.(*parser.Select)
	if ContainsAggregate(s.Items[0].Expr) || ContainsAggregate(s.Where) {
		t.Error("an aggregate in a subquery or a window function counted as the query's")
	}
	sel, _ = parser.ParseStatement("SELECT 1 + sum(a) FROM t")
	if !ContainsAggregate(sel.(*parser.Select).Items[0].Expr) {
		t.Error("1 + sum(a) contains no aggregate")
	}
}
