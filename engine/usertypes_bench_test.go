package engine

import "testing"

// BenchmarkTypeFunctions compares TYPE_NAME and TYPE_ID over 20,000 rows
// with a CAST over the same rows (the baseline): the system types answer
// from rows built once, and only a user type's id or name reads storage.
func BenchmarkTypeFunctions(b *testing.B) {
	s := benchBig(b, 20000)
	mustQuery(b, s, "CREATE TYPE Phone FROM varchar(20)")
	for _, q := range []struct{ name, sql string }{
		{"cast", "SELECT COUNT(CAST(g AS varchar(10))) FROM big"},
		{"type_name_system", "SELECT COUNT(TYPE_NAME(g + 100)) FROM big"},
		{"type_id_system", "SELECT COUNT(TYPE_ID('int')) FROM big WHERE g >= 0"},
		{"type_name_user", "SELECT COUNT(TYPE_NAME(257)) FROM big WHERE g >= 0"},
		{"type_id_user", "SELECT COUNT(TYPE_ID('Phone')) FROM big WHERE g >= 0"},
	} {
		b.Run(q.name, func(b *testing.B) { benchQuery(b, s, q.sql, 1) })
	}
}
