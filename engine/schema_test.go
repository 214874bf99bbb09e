package engine

import "testing"

// TestSchemaGenerationPerInstance: DDL in one instance moves its own
// schema generation (its prepared statements re-bind), never another
// instance's of the same process.
func TestSchemaGenerationPerInstance(t *testing.T) {
	a, b := openTestInstance(t), openTestInstance(t)
	before := a.schemaGeneration()
	mustQuery(t, openSession(t, b, "master"), "CREATE TABLE t (id INT PRIMARY KEY)")
	if got := a.schemaGeneration(); got != before {
		t.Fatalf("DDL in another instance moved this one's schema generation from %d to %d", before, got)
	}
	mustQuery(t, openSession(t, a, "master"), "CREATE TABLE t (id INT PRIMARY KEY)")
	if a.schemaGeneration() == before {
		t.Fatal("DDL in this instance did not move its schema generation")
	}
}
