package wire

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/session"
)

// simpleQuery runs a Query message: the whole text goes to the session,
// which may produce several result sets and stops at the first error; one
// ReadyForQuery ends it. It also destroys the unnamed statement and
// portal, as PostgreSQL does.
func (c *conn) simpleQuery(sql string) error {
	delete(c.stmts, "")
	c.dropPortal("")
	if isBlank(sql) {
		if err := c.send(&pgproto3.EmptyQueryResponse{}); err != nil {
			return err
		}
		return c.readyForQuery()
	}
	w := &c.results // not kept past this query
	*w = resultWriter{c: c, simple: true}
	err := c.runStatement(func(ctx context.Context) error { return c.sess.Query(ctx, sql, w) })
	switch {
	case err == nil:
	case isConnEnd(err):
		return err
	case errors.Is(err, session.ErrEmptyQuery):
		if err := c.send(&pgproto3.EmptyQueryResponse{}); err != nil {
			return err
		}
	default:
		if err := c.sendError(err); err != nil {
			return err
		}
	}
	return c.readyForQuery()
}

func isBlank(sql string) bool { return strings.TrimSpace(sql) == "" }
