package wire

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgproto3/v2"

	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// statement is a prepared statement (Parse). The unnamed one has name "".
type statement struct {
	name string
	sql  string
	prep session.Prepared // nil for an empty query
	// paramOIDs holds, per parameter, the type the client encodes the
	// argument in: the OID it declared in Parse, else the one wire
	// announced for the engine's type in ParameterDescription.
	paramOIDs []uint32
	cols      []session.Column
	// rowDesc is the RowDescription last sent for the statement's
	// portals, encoded, and the formats it was for: clients describe the
	// portal of every Bind (libpq, pgx), nearly always with the same
	// formats.
	rowDesc        []byte
	rowDescFormats []int16
}

// portal is a bound statement (Bind), executed by one or more Executes.
type portal struct {
	name    string
	stmt    *statement
	args    []types.Value
	formats []int16 // result format per column
	started bool
	done    bool
	// An Execute with a row limit runs the statement to completion and
	// keeps its rows in buffered; later Executes hand them out.
	buffered  *resultWriter
	tag       string
	suspended bool
}

// dropPortal forgets a portal, giving back the memory of its rows.
func (c *conn) dropPortal(name string) {
	if p, ok := c.portals[name]; ok {
		if p.buffered != nil {
			p.buffered.release()
		}
		delete(c.portals, name)
		clear(p.args) // let the values go
		c.spare = p
	}
}

// newPortal returns an empty portal for Bind: the spare one if there is
// one, keeping its slices' arrays.
func (c *conn) newPortal() *portal {
	p := c.spare
	if p == nil {
		return &portal{}
	}
	c.spare = nil
	clear(p.args)
	*p = portal{args: p.args[:0], formats: p.formats[:0]}
	return p
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name == "" {
		delete(c.stmts, "") // replaced even if this Parse fails
	} else {
		if _, ok := c.stmts[m.Name]; ok {
			return sqlerr.Protocol(sqlerr.DuplicatePStatement, "prepared statement %q already exists", m.Name)
		}
	}
	declared := make([]types.Type, len(m.ParameterOIDs))
	for i, oid := range m.ParameterOIDs {
		declared[i] = pgcodec.TypeFromOID(oid)
	}
	st := &statement{name: m.Name, sql: m.Query}
	if !isBlank(m.Query) {
		var prep session.Prepared
		err := c.runStatement(func(ctx context.Context) error {
			var err error
			prep, err = c.sess.Prepare(ctx, m.Query, declared)
			return err
		})
		switch {
		case err == nil:
			st.prep = prep
		case errors.Is(err, session.ErrEmptyQuery):
		default:
			return err
		}
	}
	if st.prep != nil {
		params := st.prep.Params()
		st.paramOIDs = make([]uint32, len(params))
		for i, t := range params {
			if i < len(m.ParameterOIDs) && m.ParameterOIDs[i] != 0 {
				st.paramOIDs[i] = m.ParameterOIDs[i]
			} else {
				st.paramOIDs[i] = pgcodec.TypeOf(t).OID
			}
		}
		if cols := st.prep.Columns(); len(cols) > 0 {
			st.cols = append([]session.Column(nil), cols...)
		}
	}
	c.stmts[m.Name] = st
	return c.send(&pgproto3.ParseComplete{})
}

func (c *conn) bind(m *pgproto3.Bind) error {
	st, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return sqlerr.Protocol(sqlerr.InvalidSQLStmtName, "prepared statement %q does not exist", m.PreparedStatement)
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return sqlerr.Protocol(duplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	}
	p := c.newPortal()
	if err := c.bindPortal(p, st, m); err != nil {
		c.spare = p
		return err
	}
	c.dropPortal(m.DestinationPortal) // the unnamed one is replaced
	p.name, p.stmt = m.DestinationPortal, st
	c.portals[m.DestinationPortal] = p
	return c.send(&pgproto3.BindComplete{})
}

// bindPortal decodes m's arguments and result formats into p.
func (c *conn) bindPortal(p *portal, st *statement, m *pgproto3.Bind) error {
	pf, ok := resolveFormats(c.paramFormats[:0], m.ParameterFormatCodes, len(m.Parameters))
	c.paramFormats = pf
	if !ok {
		return sqlerr.Protocol(sqlerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters",
			len(m.ParameterFormatCodes), len(m.Parameters))
	}
	if len(m.Parameters) != len(st.paramOIDs) {
		return sqlerr.Protocol(sqlerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), st.name, len(st.paramOIDs))
	}
	args := slices.Grow(p.args[:0], len(m.Parameters))[:len(m.Parameters)]
	p.args = args
	for i, raw := range m.Parameters {
		if pf[i] != formatText && pf[i] != formatBinary {
			return sqlerr.Protocol(sqlerr.InvalidParameterValue, "unsupported format code: %d", pf[i])
		}
		v, err := pgcodec.Decode(st.paramOIDs[i], pf[i], raw)
		if err != nil {
			return paramError(err, i)
		}
		args[i] = v
	}
	rf, ok := resolveFormats(p.formats[:0], m.ResultFormatCodes, len(st.cols))
	p.formats = rf
	if !ok {
		return sqlerr.Protocol(sqlerr.ProtocolViolation, "bind message has %d result formats but query has %d columns",
			len(m.ResultFormatCodes), len(st.cols))
	}
	for _, f := range rf {
		if f != formatText && f != formatBinary {
			return sqlerr.Protocol(sqlerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	return nil
}

// paramError names the parameter a decoding error is about.
func paramError(err error, i int) error {
	if errors.Is(err, pgcodec.ErrBadBinary) {
		return sqlerr.Protocol(sqlerr.InvalidBinaryRep, "incorrect binary data format in bind parameter %d", i+1)
	}
	e := *sqlerr.As(err)
	if e.Detail == "" {
		e.Detail = fmt.Sprintf("bind parameter $%d", i+1)
	}
	return &e
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		st, ok := c.stmts[m.Name]
		if !ok {
			return sqlerr.Protocol(sqlerr.InvalidSQLStmtName, "prepared statement %q does not exist", m.Name)
		}
		if err := c.send(&pgproto3.ParameterDescription{ParameterOIDs: st.paramOIDs}); err != nil {
			return err
		}
		return c.sendRowDescription(st.cols, nil)
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return sqlerr.Protocol(sqlerr.InvalidCursorName, "portal %q does not exist", m.Name)
		}
		return c.describePortal(p)
	}
	return sqlerr.Protocol(sqlerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
}

// sendRowDescription sends RowDescription for cols, or NoData when there
// are none.
func (c *conn) sendRowDescription(cols []session.Column, formats []int16) error {
	if len(cols) == 0 {
		return c.send(&pgproto3.NoData{})
	}
	return c.sendColumns(cols, formats)
}

// sendColumns sends RowDescription for cols.
func (c *conn) sendColumns(cols []session.Column, formats []int16) error {
	if c.werr != nil {
		return &connEnd{cause: c.werr}
	}
	buf, err := appendRowDescription(c.enc[:0], cols, formats)
	if err != nil {
		return err
	}
	c.keepScratch(buf)
	return c.write(buf)
}

// describePortal sends a portal's RowDescription, encoded once per
// statement and result formats.
func (c *conn) describePortal(p *portal) error {
	st := p.stmt
	if len(st.cols) == 0 {
		return c.send(&pgproto3.NoData{})
	}
	if st.rowDesc == nil || !slices.Equal(st.rowDescFormats, p.formats) {
		msg, err := appendRowDescription(nil, st.cols, p.formats)
		if err != nil {
			return err
		}
		st.rowDesc, st.rowDescFormats = msg, slices.Clone(p.formats)
	}
	return c.write(st.rowDesc)
}

func (c *conn) execute(m *pgproto3.Execute) error {
	p, ok := c.portals[m.Portal]
	if !ok {
		return sqlerr.Protocol(sqlerr.InvalidCursorName, "portal %q does not exist", m.Portal)
	}
	if p.stmt.prep == nil {
		return c.send(&pgproto3.EmptyQueryResponse{})
	}
	limit := int(m.MaxRows)
	if p.done {
		if len(p.stmt.cols) == 0 {
			return sqlerr.Protocol(sqlerr.ObjectNotInPrereqState, "portal %q cannot be run", p.name)
		}
		return c.sendCommandComplete("SELECT 0")
	}
	if !p.started {
		p.started = true
		var w *resultWriter
		if limit == 0 {
			w = &c.results // not kept past this Execute
		} else {
			w = new(resultWriter) // kept by the portal
		}
		*w = resultWriter{c: c, cols: p.stmt.cols, formats: p.formats, buffer: limit > 0}
		err := c.runStatement(func(ctx context.Context) error { return p.stmt.prep.Execute(ctx, p.args, w) })
		if err != nil {
			w.release()
			p.done = true
			return err
		}
		if !w.buffer {
			p.done = true
			if !w.complete {
				return c.sendCommandComplete(defaultTag(p.stmt, w.rowCount))
			}
			return nil
		}
		p.buffered, p.tag = w, w.tag
		if !w.complete {
			p.tag = defaultTag(p.stmt, w.rowCount)
		}
	}
	rows := p.buffered.rows
	n := len(rows)
	if limit > 0 && n > limit {
		n = limit
	}
	for _, r := range rows[:n] {
		if err := c.write(r); err != nil {
			return err
		}
	}
	clear(rows[:n])
	p.buffered.rows = rows[n:]
	if limit > 0 && n == limit {
		// Like PostgreSQL, a portal that filled the limit exactly is
		// suspended; the next Execute completes it with no rows.
		p.suspended = true
		return c.send(&pgproto3.PortalSuspended{})
	}
	p.done = true
	p.buffered.release()
	tag := p.tag
	if p.suspended {
		tag = retag(tag, n)
	}
	return c.sendCommandComplete(tag)
}

// defaultTag is the command tag for a statement that never called
// Complete.
func defaultTag(st *statement, rows int) string {
	if len(st.cols) > 0 {
		return retag("SELECT ", rows)
	}
	return ""
}

func (c *conn) close(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		if st, ok := c.stmts[m.Name]; ok {
			delete(c.stmts, m.Name)
			for name, p := range c.portals {
				if p.stmt == st {
					c.dropPortal(name)
				}
			}
		}
	case 'P':
		c.dropPortal(m.Name)
	default:
		return sqlerr.Protocol(sqlerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	return c.send(&pgproto3.CloseComplete{})
}

// dropPortals forgets every portal.
func (c *conn) dropPortals() {
	for name := range c.portals {
		c.dropPortal(name)
	}
}

// sync ends an extended-protocol exchange. Outside a transaction its
// portals end with it, as PostgreSQL's implicit transaction does.
func (c *conn) sync() error {
	if c.sess.TxStatus() == session.TxIdle {
		c.dropPortals()
	}
	return c.readyForQuery()
}
