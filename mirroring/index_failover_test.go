package mirroring_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestIndexesSurviveFailover: indexes are rows of the log like any other.
// A table indexed on the principal (built over existing rows, then kept up
// by inserts, key-changing updates, deletes, a rolled-back transaction and
// a savepoint) answers on the new principal after a failover through its
// indexes exactly as a scan of the table does; its unique index is still
// enforced, DBCC CHECKTABLE finds table and indexes in agreement, and the
// catalog shows the indexes.
func TestIndexesSurviveFailover(t *testing.T) {
	a, b := pairedNodes(t, "Shop")
	a.exec(`CREATE TABLE Shop.dbo.items (id INT PRIMARY KEY, cat INT, name VARCHAR(20), price DECIMAL(8,2))`)
	a.insertRows("Shop.dbo.items", 5000, func(j int) string {
		cat := fmt.Sprint(j % 37)
		if j%50 == 0 {
			cat = "NULL"
		}
		return fmt.Sprintf("(%d, %s, 'item%d', %d.%02d)", j, cat, j, j%97, j%100)
	})
	a.exec(`CREATE INDEX ix_cat ON Shop.dbo.items (cat, price DESC) INCLUDE (name)`)
	a.exec(`CREATE UNIQUE INDEX ux_name ON Shop.dbo.items (name)`)
	a.exec(`UPDATE Shop.dbo.items SET cat = cat + 1, price = price * 2 WHERE id % 7 = 0`)
	a.exec(`UPDATE Shop.dbo.items SET id = id + 100000 WHERE id % 11 = 0`)
	a.exec(`DELETE FROM Shop.dbo.items WHERE id % 13 = 0`)
	a.exec(`INSERT Shop.dbo.items VALUES (200000, 5, 'fresh', 1.00)`)
	a.exec(`BEGIN TRAN; UPDATE Shop.dbo.items SET cat = 999 WHERE id < 100; DELETE FROM Shop.dbo.items WHERE cat = 3; ROLLBACK`)
	a.exec(`BEGIN TRAN; UPDATE Shop.dbo.items SET name = name + 'x' WHERE id < 50; SAVE TRAN s; UPDATE Shop.dbo.items SET cat = 998 WHERE id < 500; ROLLBACK TRAN s; COMMIT`)
	a.expectError(2601, `UPDATE Shop.dbo.items SET name = 'fresh' WHERE id = 1`)

	a.exec(`ALTER DATABASE Shop SET PARTNER FAILOVER`)
	b.waitState("Shop", "PRINCIPAL", "SYNCHRONIZED")

	c := b.conn("Shop")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	text := func(sql string) string {
		out := rowTexts(t, c, sql)
		return fmt.Sprint(len(out), out)
	}
	checked := 0
	for _, p := range [][2]string{
		{"cat = 5", "cat + 0 = 5"},
		{"cat = 4 AND price > 20", "cat + 0 = 4 AND price + 0 > 20"},
		{"cat = 998 OR cat = 999", "cat + 0 = 998 OR cat + 0 = 999"},
		{"cat >= 30", "cat + 0 >= 30"},
		{"cat < 2", "cat + 0 < 2"},
		{"name = 'item41x'", "name + '' = 'item41x'"},
		{"name = 'fresh'", "name + '' = 'fresh'"},
		{"name >= 'item49' AND name < 'item5'", "name + '' >= 'item49' AND name + '' < 'item5'"},
	} {
		got := text("SELECT id, cat, name, price FROM items WHERE " + p[0] + " ORDER BY id")
		want := text("SELECT id, cat, name, price FROM items WHERE " + p[1] + " ORDER BY id")
		if got != want {
			t.Errorf("after failover, %s through the index:\n%s\nthrough a scan:\n%s", p[0], got, want)
		}
		if got != "0 []" {
			checked++
		}
	}
	if checked < 6 {
		t.Fatalf("only %d predicates matched rows: the comparison proves little", checked)
	}
	if _, err := c.Exec(ctx, "DBCC CHECKTABLE('items')"); err != nil {
		t.Fatalf("DBCC CHECKTABLE on the new principal: %v", err)
	}
	if got := text("SELECT i.name, i.index_id, i.type_desc, i.is_unique FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id WHERE t.name = 'items' ORDER BY i.index_id"); got != "3 [[PK__items__3B4A0002 1 CLUSTERED true] [ix_cat 2 NONCLUSTERED false] [ux_name 3 NONCLUSTERED true]]" {
		t.Errorf("sys.indexes on the new principal: %s", got)
	}
	b.expectError(2601, `INSERT Shop.dbo.items VALUES (300000, 1, 'fresh', 1.00)`)
	b.exec(`INSERT Shop.dbo.items VALUES (300001, 5, 'after failover', 1.00)`)
	if got := text("SELECT id FROM items WHERE cat = 5 AND name = 'after failover'"); got != "1 [[300001]]" {
		t.Errorf("a row written on the new principal: %s", got)
	}
}
