package mirroring_test

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestAlterTableSurvivesFailover: ALTER TABLE's steps are transactions of
// the log like any other. Columns added (metadata only, filled with a
// default, an IDENTITY), converted and dropped, and names changed with
// sp_rename on the principal are all there on the new principal after a
// failover: the catalog shows the new columns, the rows hold the
// converted values, the index still answers, DBCC finds table and index in
// agreement, and the new principal writes rows of the new shape.
func TestAlterTableSurvivesFailover(t *testing.T) {
	a, b := pairedNodes(t, "Shop")
	a.exec(`CREATE TABLE Shop.dbo.items (id INT PRIMARY KEY, cat INT, name VARCHAR(20), price INT)`)
	a.insertRows("Shop.dbo.items", 3000, func(j int) string { return fmt.Sprintf("(%d, %d, 'item%d', %d)", j, j%37, j, j%97) })
	a.exec(`CREATE INDEX ix_cat ON Shop.dbo.items (cat) INCLUDE (name)`)
	a.exec(`ALTER TABLE Shop.dbo.items ADD note VARCHAR(10)`)
	a.exec(`ALTER TABLE Shop.dbo.items ADD status VARCHAR(8) NOT NULL DEFAULT 'open', seq INT IDENTITY(1, 1)`)
	a.exec(`ALTER TABLE Shop.dbo.items ALTER COLUMN price DECIMAL(8, 2) NOT NULL`)
	a.exec(`ALTER TABLE Shop.dbo.items DROP COLUMN note`)
	a.expectError(5074, `ALTER TABLE Shop.dbo.items ALTER COLUMN status INT`)
	a.expectError(220, `ALTER TABLE Shop.dbo.items ALTER COLUMN seq TINYINT`)
	a.exec(`USE Shop; EXEC sp_rename 'items.status', 'state', 'COLUMN'; EXEC sp_rename 'items', 'goods'`)

	a.exec(`ALTER DATABASE Shop SET PARTNER FAILOVER`)
	b.waitState("Shop", "PRINCIPAL", "SYNCHRONIZED")

	c := b.conn("Shop")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	text := func(sql string) string {
		return fmt.Sprint(rowTexts(t, c, sql))
	}
	if got := text(`SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'goods' ORDER BY ORDINAL_POSITION`); got !=
		"[[id int NO] [cat int YES] [name varchar YES] [price decimal NO] [state varchar NO] [seq int NO]]" {
		t.Errorf("columns on the new principal: %s", got)
	}
	if got := text(`SELECT id, cat, name, CONVERT(VARCHAR(12), price), state, seq FROM goods WHERE id IN (0, 1234, 2999) ORDER BY id`); got !=
		"[[0 0 item0 0.00 open 1] [1234 13 item1234 70.00 open 1235] [2999 2 item2999 89.00 open 3000]]" {
		t.Errorf("rows on the new principal: %s", got)
	}
	if got, want := text(`SELECT id, name FROM goods WHERE cat = 5 ORDER BY id`), text(`SELECT id, name FROM goods WHERE cat + 0 = 5 ORDER BY id`); got != want || got == "[]" {
		t.Errorf("through the index %s, by a scan %s", got, want)
	}
	if _, err := c.Exec(ctx, "DBCC CHECKTABLE('goods')"); err != nil {
		t.Fatalf("DBCC CHECKTABLE on the new principal: %v", err)
	}
	b.exec(`INSERT Shop.dbo.goods (id, cat, name, price) VALUES (5000, 5, 'after', 1.5)`)
	if got := text(`SELECT CONVERT(VARCHAR(12), price), state, seq FROM goods WHERE id = 5000`); got != "[[1.50 open 3001]]" {
		t.Errorf("a row written on the new principal: %s", got)
	}
}
