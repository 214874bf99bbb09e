package catalog

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fill sets every exported field reachable from v to a non-zero value
// derived from seed: slices get two elements, pointers a fresh target.
// Walking by reflection means a field added to a descriptor is filled too,
// so the test below fails until Clone copies it.
func fill(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(seed), 0)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), seed+i)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			fill(v.Index(i), seed+i)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), seed)
	case reflect.String:
		v.SetString("s" + string(rune('a'+seed%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed%100 + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(seed%100 + 1))
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

// shared reports the path of the first slice or pointer a and b share.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := 0; i < min(a.Len(), b.Len()); i++ {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Pointer:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return path
		}
		if !a.IsNil() && !b.IsNil() {
			return shared(a.Elem(), b.Elem(), path)
		}
	}
	return ""
}

func TestCloneSharesNothing(t *testing.T) {
	var orig TableDef
	fill(reflect.ValueOf(&orig).Elem(), 1)
	before, err := json.Marshal(&orig)
	if err != nil {
		t.Fatal(err)
	}
	c := orig.Clone()
	if !reflect.DeepEqual(&orig, c) {
		t.Fatalf("the clone differs from the original:\n%+v\n%+v", orig, *c)
	}
	if p := shared(reflect.ValueOf(orig), reflect.ValueOf(*c), "TableDef"); p != "" {
		t.Fatalf("the clone shares %s with the original", p)
	}
	// Change every element of the clone in place (not by replacing its
	// slices): the original must not see it.
	mutate(reflect.ValueOf(c).Elem(), 7)
	after, _ := json.Marshal(&orig)
	if string(before) != string(after) {
		t.Fatalf("changing the clone changed the original:\nbefore %s\nafter  %s", before, after)
	}
}

// mutate changes every leaf reachable from v in place, through the
// existing slices and pointers.
func mutate(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Unix(int64(seed)+1e6, 0)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				mutate(v.Field(i), seed+i)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			mutate(v.Index(i), seed+i)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem(), seed)
		}
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	}
}

func TestCloneKeepsNil(t *testing.T) {
	orig := &TableDef{ID: 3, Name: "heap", Columns: []ColumnDef{{Name: "a"}}}
	c := orig.Clone()
	if c.PK != nil || c.Indexes != nil || c.ForeignKeys != nil || c.Checks != nil || c.Columns[0].Identity != nil {
		t.Fatalf("a clone of a heap without constraints gained fields: %+v", c)
	}
}
