package mirroring_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSchemaUnderWritesSurvivesFailover is issue 13's end-to-end proof on
// a mirrored pair: a schema with indexes, foreign keys with cascades,
// checks and defaults; ALTER TABLE rewriting the parent and the child
// while writers insert children and cascade deletes run; then a failover.
// The new principal holds every acknowledged row, enforces every
// constraint (an orphan, a bad check), cascades on its own, and its
// indexes agree with its tables (DBCC CHECKTABLE).
func TestSchemaUnderWritesSurvivesFailover(t *testing.T) {
	a, b := pairedNodes(t, "Shop")
	a.exec(`CREATE TABLE Shop.dbo.customers (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL,
		tier INT NOT NULL CONSTRAINT df_tier DEFAULT 1 CONSTRAINT ck_tier CHECK (tier BETWEEN 1 AND 3))`)
	a.exec(`CREATE TABLE Shop.dbo.orders (id INT PRIMARY KEY,
		cust INT NOT NULL CONSTRAINT fk_orders_cust REFERENCES customers (id) ON DELETE CASCADE,
		qty INT NOT NULL CONSTRAINT ck_qty CHECK (qty > 0), note VARCHAR(10))`)
	a.exec(`CREATE INDEX ix_orders_cust ON Shop.dbo.orders (cust) INCLUDE (qty)`)
	a.insertRows("Shop.dbo.customers", 200, func(j int) string { return fmt.Sprintf("(%d, 'c%d', %d)", j, j, 1+j%3) })
	a.insertRows("Shop.dbo.orders", 20000, func(j int) string { return fmt.Sprintf("(%d, %d, %d, 'n%d')", j, j%200, 1+j%9, j) })

	// Writers insert orders of customers 0..99 and delete customers 150..199
	// (cascading to their orders) while the tables are altered.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var next atomic.Int64
	next.Store(100000)
	var acked sync.Map // order id → customer, acknowledged inserts
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a.conn("Shop")
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := next.Add(1)
				cust := id % 100
				if _, err := c.Exec(ctx, `INSERT dbo.orders (id, cust, qty) VALUES ($1, $2, 3)`, id, cust); err != nil {
					if !strings.Contains(err.Error(), "50131") { // bound before an ALTER: the caller retries
						t.Errorf("insert %d: %v", id, err)
						return
					}
					continue
				}
				acked.Store(id, cust)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := a.conn("Shop")
		for cust := 150; cust < 200; cust++ {
			if _, err := c.Exec(ctx, `DELETE FROM dbo.customers WHERE id = $1`, cust); err != nil {
				t.Errorf("delete customer %d: %v", cust, err)
				return
			}
		}
	}()
	a.exec(`ALTER TABLE Shop.dbo.customers ADD since INT NOT NULL DEFAULT 2024 WITH VALUES`)
	a.exec(`ALTER TABLE Shop.dbo.orders ALTER COLUMN note VARCHAR(40)`)
	a.exec(`ALTER TABLE Shop.dbo.orders ADD shipped BIT NOT NULL DEFAULT 0 WITH VALUES`)
	a.exec(`ALTER TABLE Shop.dbo.customers ALTER COLUMN name NVARCHAR(40) NOT NULL`)
	close(stop)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var n int
	acked.Range(func(any, any) bool { n++; return true })
	if n == 0 {
		t.Fatal("no insert was acknowledged during the ALTERs: the test proves nothing")
	}
	t.Logf("%d inserts acknowledged while the tables were altered", n)

	a.exec(`ALTER DATABASE Shop SET PARTNER FAILOVER`)
	b.waitState("Shop", "PRINCIPAL", "SYNCHRONIZED")
	c := b.conn("Shop")
	text := func(sql string) string { return fmt.Sprint(rowTexts(t, c, sql)) }
	refuse := func(number int, sql string) {
		t.Helper()
		if _, err := c.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("Msg %d,", number)) {
			t.Errorf("%s on the new principal: %v, want Msg %d", sql, err, number)
		}
	}

	// Every acknowledged insert is there, with the columns the ALTERs added.
	missing := 0
	acked.Range(func(k, _ any) bool {
		if text(fmt.Sprintf(`SELECT COUNT(*) FROM orders WHERE id = %d AND shipped = 0`, k.(int64))) != "[[1]]" {
			missing++
		}
		return missing < 5
	})
	if missing > 0 {
		t.Errorf("%d acknowledged inserts missing on the new principal", missing)
	}
	if got := text(`SELECT COUNT(*) FROM customers WHERE since = 2024`); got != "[[150]]" {
		t.Errorf("customers on the new principal: %s, want 150 (50 deleted)", got)
	}
	if got := text(`SELECT COUNT(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.cust)`); got != "[[0]]" {
		t.Errorf("orphan orders on the new principal: %s", got)
	}
	if got, want := text(`SELECT COUNT(*), SUM(qty) FROM orders WHERE cust = 7`), text(`SELECT COUNT(*), SUM(qty) FROM orders WHERE cust + 0 = 7`); got != want {
		t.Errorf("through ix_orders_cust %s, by a scan %s", got, want)
	}

	// Every constraint is enforced, and cascades run, on the new principal.
	refuse(547, `INSERT orders (id, cust, qty) VALUES (900000, 199, 1)`)
	refuse(547, `INSERT orders (id, cust, qty) VALUES (900001, 1, 0)`)
	refuse(547, `UPDATE customers SET tier = 9 WHERE id = 1`)
	refuse(2627, `INSERT customers (id, name) VALUES (1, 'again')`)
	if _, err := c.Exec(ctx, `INSERT customers (id, name) VALUES (500, N'new')`); err != nil {
		t.Fatal(err)
	}
	if got := text(`SELECT tier, since FROM customers WHERE id = 500`); got != "[[1 2024]]" {
		t.Errorf("defaults on the new principal: %s", got)
	}
	if text(`SELECT COUNT(*) FROM orders WHERE cust = 3`) == "[[0]]" {
		t.Fatal("customer 3 has no orders: the cascade below proves nothing")
	}
	if _, err := c.Exec(ctx, `DELETE FROM customers WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	if got := text(`SELECT COUNT(*) FROM orders WHERE cust = 3`); got != "[[0]]" {
		t.Errorf("cascade on the new principal left %s orders", got)
	}
	for _, table := range []string{"customers", "orders"} {
		if _, err := c.Exec(ctx, "DBCC CHECKTABLE('"+table+"')"); err != nil {
			t.Errorf("DBCC CHECKTABLE(%s) on the new principal: %v", table, err)
		}
	}
}
