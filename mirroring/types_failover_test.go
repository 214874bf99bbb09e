package mirroring_test

import (
	"context"
	"testing"
	"time"

	"mirrordb/internal/testutil"
)

// TestTypesSurviveFailover: what the data types keep beside the rows is in
// the log too. After a failover the new principal has the alias type
// (still refusing DROP TYPE while used), continues the rowversion counter
// and the identity counter past an explicit value, and returns the money,
// datetimeoffset and time values as they were written.
func TestTypesSurviveFailover(t *testing.T) {
	a, b := pairedNodes(t, "Shop")
	a.exec(`USE Shop CREATE TYPE dbo.Code FROM char(4) NOT NULL
CREATE TABLE orders (id INT IDENTITY PRIMARY KEY, code Code, amount MONEY, at DATETIMEOFFSET(3), due TIME(0), rv ROWVERSION)`)
	a.exec(`INSERT Shop.dbo.orders (code, amount, at, due) VALUES ('A001', $12.50, '2024-01-02 10:11:12.125 +05:30', '17:00'), ('A002', -3.25, NULL, NULL)`)
	a.exec(`USE Shop SET IDENTITY_INSERT orders ON INSERT orders (id, code, amount) VALUES (40, 'X040', 1) SET IDENTITY_INSERT orders OFF`)
	a.exec(`UPDATE Shop.dbo.orders SET amount = amount * 2 WHERE id = 1`)
	before := a.row(`SELECT CONVERT(VARCHAR(20), MAX(rv), 1) FROM Shop.dbo.orders`)[0]

	a.exec(`ALTER DATABASE Shop SET PARTNER FAILOVER`)
	b.waitState("Shop", "PRINCIPAL", "SYNCHRONIZED")

	c := b.conn("Shop")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	one := func(sql string) string {
		var s string
		if err := c.QueryRow(ctx, sql).Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return s
	}
	if got := one(`SELECT CONVERT(NVARCHAR(200), id) + ' ' + code + ' ' + CONVERT(VARCHAR(20), amount, 2) + ' ' + CONVERT(NVARCHAR(40), at) + ' ' + CONVERT(VARCHAR(8), due) FROM orders WHERE id = 1`); got != "1 A001 25.0000 2024-01-02 10:11:12.125 +05:30 17:00:00" {
		t.Errorf("row 1 on the new principal: %q", got)
	}
	if _, err := c.Exec(ctx, `INSERT orders (code, amount) VALUES ('B001', 0)`); err != nil {
		t.Fatal(err)
	}
	if got := one(`SELECT CONVERT(VARCHAR(10), MAX(id)) FROM orders`); got != "41" {
		t.Errorf("identity after failover: %s, want 41 (past the explicit 40)", got)
	}
	after := one(`SELECT CONVERT(VARCHAR(20), rv, 1) FROM orders WHERE id = 41`)
	if dbts := one(`SELECT CONVERT(VARCHAR(20), @@DBTS, 1)`); after <= before || dbts != after {
		t.Errorf("rowversion: before failover %s, new row %s, @@DBTS %s", before, after, dbts)
	}
	if got := one(`SELECT name + ' ' + CONVERT(VARCHAR(5), is_nullable) FROM sys.types WHERE is_user_defined = 1`); got != "Code 0" {
		t.Errorf("sys.types on the new principal: %q", got)
	}
	if _, err := c.Exec(ctx, `DROP TYPE Code`); testutil.MsgNumber(err) != 3732 {
		t.Errorf("DROP TYPE while in use: %v, want Msg 3732", err)
	}
}
