package main

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// mirroring is a database's row of sys.database_mirroring (empty strings
// for NULL).
type mirroring struct {
	role, state, witness string
	seq                  int64
}

// mirroringStatus reads db's row of sys.database_mirroring on a new
// connection to url: how --demo and the process tests follow a session.
func mirroringStatus(ctx context.Context, url, db string) (mirroring, error) {
	var m mirroring
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return m, err
	}
	defer c.Close(context.Background())
	var role, state, witness *string
	var seq *int64
	err = c.QueryRow(ctx, `SELECT mirroring_role_desc, mirroring_state_desc, mirroring_witness_state_desc, mirroring_role_sequence
		FROM sys.database_mirroring WHERE database_id = DB_ID($1)`, db).Scan(&role, &state, &witness, &seq)
	for _, f := range []struct {
		p   *string
		out *string
	}{{role, &m.role}, {state, &m.state}, {witness, &m.witness}} {
		if f.p != nil {
			*f.out = *f.p
		}
	}
	if seq != nil {
		m.seq = *seq
	}
	return m, err
}
