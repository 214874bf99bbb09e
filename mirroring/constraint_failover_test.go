package mirroring_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestConstraintsSurviveFailover: constraints are part of their tables'
// definitions and their actions are writes of the statement that caused
// them, so both travel through the log. A schema of parent and child
// tables with cascading foreign keys, CHECKs, UNIQUE, DEFAULTs and a
// computed column is built and used on the principal (a cascade there
// too); after a failover the new principal enforces every one of them
// (the 547 text exactly as SQL Server words it), cascades on its own, and
// its indexes agree with its tables.
func TestConstraintsSurviveFailover(t *testing.T) {
	a, b := pairedNodes(t, "Shop")
	a.exec(`CREATE TABLE Shop.dbo.customers (id INT PRIMARY KEY, email VARCHAR(40) CONSTRAINT uq_email UNIQUE,
		tier INT NOT NULL CONSTRAINT df_tier DEFAULT 1 CONSTRAINT ck_tier CHECK (tier BETWEEN 1 AND 3))`)
	a.exec(`CREATE TABLE Shop.dbo.orders (id INT PRIMARY KEY,
		cust INT NOT NULL CONSTRAINT fk_orders_cust REFERENCES customers (id) ON DELETE CASCADE ON UPDATE CASCADE,
		qty INT CHECK (qty > 0), total AS qty * 2)`)
	a.exec(`CREATE INDEX ix_orders_cust ON Shop.dbo.orders (cust)`)
	a.exec(`CREATE TABLE Shop.dbo.lines (oid INT NOT NULL, n INT NOT NULL, PRIMARY KEY (oid, n),
		CONSTRAINT fk_lines FOREIGN KEY (oid) REFERENCES orders (id) ON DELETE CASCADE)`)
	a.exec(`CREATE TABLE Shop.dbo.audit (id INT PRIMARY KEY, cust INT NULL CONSTRAINT fk_audit REFERENCES customers ON DELETE SET NULL)`)
	a.exec(`CREATE TABLE Shop.dbo.reviews (id INT PRIMARY KEY, cust INT CONSTRAINT fk_reviews REFERENCES customers)`)
	var sql strings.Builder
	sql.WriteString("INSERT Shop.dbo.customers (id, email, tier) VALUES ")
	for i := 1; i <= 50; i++ {
		if i > 1 {
			sql.WriteString(", ")
		}
		fmt.Fprintf(&sql, "(%d, 'c%d@x', %d)", i, i, 1+i%3)
	}
	a.exec(sql.String())
	for i := 1; i <= 200; i++ {
		a.exec(fmt.Sprintf("INSERT Shop.dbo.orders (id, cust, qty) VALUES (%d, %d, %d); INSERT Shop.dbo.lines VALUES (%d, 1), (%d, 2)",
			i, 1+i%50, i, i, i))
	}
	a.exec(`INSERT Shop.dbo.audit VALUES (1, 1), (2, 2), (3, 4)`)
	a.exec(`INSERT Shop.dbo.reviews VALUES (1, 5)`)
	a.exec(`ALTER TABLE Shop.dbo.orders ADD CONSTRAINT ck_qty_max CHECK (qty < 1000)`)
	a.exec(`DELETE FROM Shop.dbo.customers WHERE id = 2`) // cascades on the principal
	a.expectError(547, `INSERT Shop.dbo.orders (id, cust, qty) VALUES (900, 999, 1)`)

	a.exec(`ALTER DATABASE Shop SET PARTNER FAILOVER`)
	b.waitState("Shop", "PRINCIPAL", "SYNCHRONIZED")

	c := b.conn("Shop")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	text := func(sql string) string {
		t.Helper()
		return strings.Join(rowTexts(t, c, sql), " ")
	}
	expect := func(sql, want string) {
		t.Helper()
		if got := text(sql); got != want {
			t.Errorf("%s on the new principal:\n got %s\nwant %s", sql, got, want)
		}
	}
	refuse := func(number int, sql, message string) {
		t.Helper()
		_, err := c.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprint(number)) || !strings.Contains(err.Error(), message) {
			t.Errorf("%s on the new principal: want Msg %d %q, got %v", sql, number, message, err)
		}
	}

	// What the principal's cascade did arrived.
	expect(`SELECT COUNT(*) FROM orders WHERE cust = 2`, "[0]")
	expect(`SELECT COUNT(*) FROM lines l WHERE l.oid % 50 = 1`, "[0]")
	expect(`SELECT id, cust FROM audit ORDER BY id`, "[1 1] [2 <nil>] [3 4]")

	// Every constraint is enforced.
	refuse(547, `INSERT orders (id, cust, qty) VALUES (901, 999, 1)`,
		`The INSERT statement conflicted with the FOREIGN KEY constraint "fk_orders_cust". The conflict occurred in database "Shop", table "dbo.customers", column 'id'.`)
	refuse(547, `UPDATE customers SET tier = 5 WHERE id = 3`,
		`The UPDATE statement conflicted with the CHECK constraint "ck_tier". The conflict occurred in database "Shop", table "dbo.customers", column 'tier'.`)
	refuse(547, `UPDATE orders SET qty = 5000 WHERE id = 3`, `CHECK constraint "ck_qty_max"`)
	refuse(547, `DELETE FROM customers WHERE id = 5`,
		`The DELETE statement conflicted with the REFERENCE constraint "fk_reviews". The conflict occurred in database "Shop", table "dbo.reviews", column 'cust'.`)
	refuse(2627, `INSERT customers (id, email) VALUES (100, 'c3@x')`,
		`Violation of UNIQUE KEY constraint 'uq_email'. Cannot insert duplicate key in object 'dbo.customers'. The duplicate key value is (c3@x).`)
	refuse(271, `UPDATE orders SET total = 1`, `"total"`)
	refuse(3726, `DROP TABLE customers`, `customers`)

	// Defaults, computed columns and cascades work on the new principal.
	if _, err := c.Exec(ctx, `INSERT customers (id, email) VALUES (100, 'new@x'); INSERT orders (id, cust, qty) VALUES (1000, 100, 21)`); err != nil {
		t.Fatal(err)
	}
	expect(`SELECT c.tier, o.total FROM customers c JOIN orders o ON o.cust = c.id WHERE c.id = 100`, "[1 42]")
	if _, err := c.Exec(ctx, `UPDATE customers SET id = 101 WHERE id = 100`); err != nil {
		t.Fatal(err)
	}
	expect(`SELECT cust FROM orders WHERE id = 1000`, "[101]")
	before := text(`SELECT COUNT(*) FROM orders WHERE cust = 1`)
	if before == "[0]" {
		t.Fatal("customer 1 has no orders: the cascade below proves nothing")
	}
	if _, err := c.Exec(ctx, `DELETE FROM customers WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	expect(`SELECT COUNT(*) FROM orders WHERE cust = 1`, "[0]")
	expect(`SELECT COUNT(*) FROM lines WHERE oid % 50 = 0`, "[0]")
	expect(`SELECT id, cust FROM audit ORDER BY id`, "[1 <nil>] [2 <nil>] [3 4]")
	for _, table := range []string{"customers", "orders", "lines"} {
		if _, err := c.Exec(ctx, "DBCC CHECKTABLE('"+table+"')"); err != nil {
			t.Fatalf("DBCC CHECKTABLE(%s) on the new principal: %v", table, err)
		}
	}
	expect(`SELECT name, delete_referential_action_desc, is_disabled FROM sys.foreign_keys ORDER BY name`,
		"[fk_audit SET_NULL false] [fk_lines CASCADE false] [fk_orders_cust CASCADE false] [fk_reviews NO_ACTION false]")
	expect(`SELECT name, definition FROM sys.check_constraints ORDER BY name`,
		"[CK__orders__qty__3C000004 ([qty]>(0))] [ck_qty_max ([qty]<(1000))] [ck_tier ([tier]>=(1) AND [tier]<=(3))]")
}
