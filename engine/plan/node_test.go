package plan

import "testing"

func TestRowsDrawTheTree(t *testing.T) {
	scan := func(name string) *Node {
		return &Node{PhysicalOp: "Table Scan", Argument: "OBJECT:([d].[dbo].[" + name + "])"}
	}
	join := &Node{PhysicalOp: "Nested Loops", Argument: "Inner Join", Children: []*Node{
		{PhysicalOp: "Filter", Argument: "WHERE:([a].[x]>(1))", Children: []*Node{scan("a")}},
		scan("b"),
	}}
	root := &Node{PhysicalOp: "Sort", Argument: "ORDER BY:([a].[x] ASC)", Children: []*Node{join}}
	want := "" +
		"  |--Sort(ORDER BY:([a].[x] ASC))\n" +
		"       |--Nested Loops(Inner Join)\n" +
		"            |--Filter(WHERE:([a].[x]>(1)))\n" +
		"            |    |--Table Scan(OBJECT:([d].[dbo].[a]))\n" +
		"            |--Table Scan(OBJECT:([d].[dbo].[b]))\n"
	if got := root.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	rows := root.Rows()
	parents := []int{0, 1, 2, 3, 2}
	for i, r := range rows {
		if r.NodeID != i+1 || r.Parent != parents[i] {
			t.Errorf("row %d: id %d parent %d, want %d %d", i, r.NodeID, r.Parent, i+1, parents[i])
		}
	}
}

func TestTextWithoutArgument(t *testing.T) {
	if got := (&Node{PhysicalOp: "Constant Scan"}).Text(); got != "Constant Scan" {
		t.Fatal(got)
	}
}
