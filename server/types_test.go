package server_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"mirrordb/server/servertest"
)

// TestNewTypesRoundTrip reads a row holding every data type of issue 13 §4
// through pgx in each result format: the extended protocol (binary for
// the types pgx reads in binary) and the simple protocol (text). Each
// value must come back as the same Go value both ways, which checks the
// type OIDs in RowDescription and both encodings. The values go in once
// as T-SQL literals and once as pgx parameters.
func TestNewTypesRoundTrip(t *testing.T) {
	srv := servertest.Start(t, "")
	conn := servertest.Connect(t, srv, "master")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE DATABASE typesrt USE typesrt
CREATE TABLE all_types (id INT PRIMARY KEY, m MONEY, sm SMALLMONEY, sdt SMALLDATETIME, dt DATETIME,
  dt2 DATETIME2(7), dto DATETIMEOFFSET(3), d DATE, tm TIME(7), tx TEXT, ntx NTEXT, img IMAGE,
  vb VARBINARY(MAX), bin BINARY(4), uid UNIQUEIDENTIFIER, b BIT, ti TINYINT, rv ROWVERSION)`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT all_types (id, m, sm, sdt, dt, dt2, dto, d, tm, tx, ntx, img, vb, bin, uid, b, ti)
VALUES (1, -$1234.5678, 12.5, '2024-01-02 10:11:40', '2024-01-02 10:11:12.003', '2024-01-02 10:11:12.1234567',
  '2024-01-02 10:11:12.125 +02:00', '2024-01-02', '10:11:12.123456', 'text', N'ntext ü', 0x0102, 0xFF00, 0x0A,
  '6F9619FF-8B86-D011-B42D-00C04FC964FF', 1, 255)`); err != nil {
		t.Fatal(err)
	}
	dto := time.Date(2024, 1, 2, 10, 11, 12, 125000000, time.FixedZone("", 2*3600))
	if _, err := conn.Exec(ctx, `INSERT all_types (id, m, sm, sdt, dt, dt2, dto, d, tm, tx, ntx, img, vb, bin, uid, b, ti)
VALUES (2, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		"-1234.5678", "12.5", time.Date(2024, 1, 2, 10, 11, 40, 0, time.UTC), time.Date(2024, 1, 2, 10, 11, 12, 3000000, time.UTC),
		time.Date(2024, 1, 2, 10, 11, 12, 123457000, time.UTC), dto, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		"10:11:12.123456", "text", "ntext ü", []byte{1, 2}, []byte{0xff, 0}, []byte{0x0a},
		"6f9619ff-8b86-d011-b42d-00c04fc964ff", true, 255); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"-1234.5678", "12.5", "2024-01-02T10:12:00Z", "2024-01-02T10:11:12.003Z", "2024-01-02T10:11:12.123457Z",
		"2024-01-02T08:11:12.125Z", "2024-01-02T00:00:00Z", "10:11:12.123456", "text", "ntext ü", "0102", "ff00",
		"0a000000", "6f9619ff-8b86-d011-b42d-00c04fc964ff", "true", "255",
	}
	modes := map[string]pgx.QueryExecMode{"binary": pgx.QueryExecModeCacheStatement, "text": pgx.QueryExecModeSimpleProtocol}
	for name, mode := range modes {
		for id := 1; id <= 2; id++ {
			var m, sm pgtype.Numeric
			var sdt, dt, dt2, dtoOut, d time.Time
			var tm pgtype.Time
			var tx, ntx, uid string
			var img, vb, bin, rv []byte
			var b bool
			var ti int16
			err := conn.QueryRow(ctx, "SELECT m, sm, sdt, dt, dt2, dto, d, tm, tx, ntx, img, vb, bin, uid, b, ti, rv FROM all_types WHERE id = $1",
				mode, id).Scan(&m, &sm, &sdt, &dt, &dt2, &dtoOut, &d, &tm, &tx, &ntx, &img, &vb, &bin, &uid, &b, &ti, &rv)
			if err != nil {
				t.Fatalf("%s, row %d: %v", name, id, err)
			}
			got := []string{numericText(m), numericText(sm), utc(sdt), utc(dt), utc(dt2), utc(dtoOut), utc(d),
				clockText(tm), tx, ntx, fmt.Sprintf("%x", img), fmt.Sprintf("%x", vb), fmt.Sprintf("%x", bin), uid,
				fmt.Sprint(b), fmt.Sprint(ti)}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s, row %d, column %d = %q, want %q", name, id, i+1, got[i], want[i])
				}
			}
			if len(rv) != 8 || bytes.Equal(rv, make([]byte, 8)) {
				t.Errorf("%s, row %d: rowversion %x, want 8 bytes set", name, id, rv)
			}
		}
	}

	// A DATETIMEOFFSET keeps its own offset in text output.
	var text string
	if err := conn.QueryRow(ctx, "SELECT CAST(dto AS NVARCHAR(40)) FROM all_types WHERE id = 1").Scan(&text); err != nil ||
		text != "2024-01-02 10:11:12.125 +02:00" {
		t.Errorf("dto as text = %q, %v", text, err)
	}
}

func numericText(n pgtype.Numeric) string {
	f, err := n.Float64Value()
	if err != nil || !f.Valid {
		return fmt.Sprint("invalid: ", err)
	}
	return fmt.Sprint(f.Float64)
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func clockText(t pgtype.Time) string {
	us := t.Microseconds
	return fmt.Sprintf("%02d:%02d:%02d.%06d", us/3600e6, us/60e6%60, us/1e6%60, us%1e6)
}
