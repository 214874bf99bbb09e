package parser

import "reflect"

// VisitVariables calls fn with every variable a statement reads or
// assigns (@v in an expression, SET @v, SELECT @v = ...), with its
// position, in no particular order: what a batch's compilation checks
// against its DECLAREs (Msg 137) before anything runs. The walk goes by
// reflection over the exported fields, so new node types are covered
// without a case of their own.
func VisitVariables(st Statement, fn func(name string, at Pos)) {
	visitVariables(reflect.ValueOf(st), fn)
}

var (
	variableType   = reflect.TypeOf(Variable{})
	setVarType     = reflect.TypeOf(SetVar{})
	selectItemType = reflect.TypeOf(SelectItem{})
)

func visitVariables(v reflect.Value, fn func(string, Pos)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			visitVariables(v.Elem(), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			visitVariables(v.Index(i), fn)
		}
	case reflect.Struct:
		switch t := v.Type(); t {
		case variableType:
			x := v.Interface().(Variable)
			fn(x.Name, x.Pos)
			return
		case setVarType:
			x := v.Interface().(SetVar)
			fn(x.Name, x.Pos)
		case selectItemType:
			if x := v.Interface().(SelectItem); x.Var != "" {
				fn(x.Var, x.Pos)
			}
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				visitVariables(v.Field(i), fn)
			}
		}
	}
}
