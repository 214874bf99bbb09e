package engine

import (
	"strconv"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/engine/pgcatalog"
	"mirrordb/parser"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's OID alias types in x::type casts: 'name'::regclass is the
// OID of a table or index, 'int4'::regtype the OID of a type, and
// oid::regclass::text (or ::regtype::text) the name again. mirrordb keeps
// an OID as a bigint, so the name comes back only through that
// double cast, which is how catalog queries write it.

// regKinds are the alias types; oid is a plain number.
var regKinds = map[string]bool{"regclass": true, "regtype": true, "regnamespace": true, "regrole": true, "oid": true}

// bindRegCast binds x::reg... and x::reg...::text; ok is false for any
// other cast.
func (b *binder) bindRegCast(x parser.Expr, tn parser.TypeName, sc *bind.Scope, agg *bind.AggContext) (exec.Expr, bool, error) {
	to := strings.ToLower(tn.Name)
	if inner, isCast := x.(*parser.Cast); isCast && inner.PG && regKinds[strings.ToLower(inner.To.Name)] &&
		(to == "text" || to == "varchar" || to == "name") {
		v, err := b.BindExpr(inner.X, sc, agg, types.TypeUnknown)
		if err != nil {
			return nil, true, err
		}
		return &regExpr{x: &regExpr{x: v, kind: strings.ToLower(inner.To.Name)}, kind: strings.ToLower(inner.To.Name), toName: true}, true, nil
	}
	if !regKinds[to] {
		return nil, false, nil
	}
	v, err := b.BindExpr(x, sc, agg, types.TypeUnknown)
	if err != nil {
		return nil, true, err
	}
	return &regExpr{x: v, kind: to}, true, nil
}

// regExpr turns a name or number into an OID (bigint), or with toName an
// OID into its name.
type regExpr struct {
	x      exec.Expr
	kind   string
	toName bool
}

func (r *regExpr) Type() types.Type {
	if r.toName {
		return types.TypeSysname
	}
	return types.TypeBigInt
}

func (r *regExpr) Eval(e *exec.Env) (types.Value, error) {
	v, err := r.x.Eval(e)
	if err != nil || v == nil {
		return nil, err
	}
	if r.toName {
		oid := oidArg(v)
		if r.kind == "regtype" {
			if s, ok := pgcatalog.FormatType(oid, -1); ok {
				return s, nil
			}
		} else if r.kind != "oid" {
			snap, err := pgSnapshot(e)
			if err != nil {
				return nil, err
			}
			if s, ok := snap.OIDName(r.kind, oid); ok {
				return s, nil
			}
		}
		return types.ToText(oid, types.TypeBigInt), nil // PostgreSQL prints an unknown OID as its number
	}
	s, isText := v.(string)
	if _, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); !isText || err == nil || r.kind == "oid" {
		return oidArg(v), nil
	}
	switch r.kind {
	case "regtype":
		if oid, ok := pgcatalog.TypeOID(s); ok {
			return oid, nil
		}
		return nil, sqlerr.New(243, s)
	}
	snap, err := pgSnapshot(e)
	if err != nil {
		return nil, err
	}
	if oid, ok := snap.NameOID(r.kind, s); ok {
		return oid, nil
	}
	if r.kind == "regrole" {
		return nil, sqlerr.New(15151, "find", "login", s)
	}
	return nil, sqlerr.New(208, s)
}

func (r *regExpr) Explain(x *exec.Explainer, n *exec.Names) string {
	if r.toName {
		return "CONVERT(text," + x.Text(r.x, n) + ",0)"
	}
	return "CONVERT(" + r.kind + "," + x.Text(r.x, n) + ",0)"
}
