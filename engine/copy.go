package engine

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mirrordb/engine/bind"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// PostgreSQL's COPY (docs/ARCHITECTURE.md, "Loading data"): COPY FROM
// STDIN loads what the client streams through the wire's copy
// sub-protocol, COPY TO STDOUT streams a table or a query's rows back, in
// text, csv or binary format (pgcodec reads and writes them). A load is
// one statement in one write transaction, like an INSERT: its rows are
// converted to the column types as INSERT converts them, defaults and
// identity values fill the columns the data leaves out, and a failed or
// cancelled COPY loads nothing. The committed rows reach the log, backups
// and the mirror like any insert's.
//
// COPY to or from a file on the server reads or writes with the server's
// rights, so it is for sysadmin only (as PostgreSQL keeps it for superusers
// and pg_read_server_files); PROGRAM is refused.

// copySpec is a COPY's options, checked.
type copySpec struct {
	opt   pgcodec.CopyOptions
	match bool // HEADER MATCH: the header must name the columns
}

// copyErr is an error PostgreSQL raises for a COPY that SQL Server has no
// message for.
func copyErr(code, format string, args ...any) *sqlerr.Error {
	return sqlerr.Protocol(code, format, args...)
}

// copyOptions checks x's options against the columns it copies.
func copyOptions(x *parser.Copy, names []string) (copySpec, error) {
	var spec copySpec
	o := &spec.opt
	seen := map[string]bool{}
	var forceQuote, forceNotNull, forceNull *parser.CopyOption
	for _, op := range x.Options {
		if seen[op.Name] {
			return spec, copyErr(sqlerr.SyntaxError, "conflicting or redundant options")
		}
		seen[op.Name] = true
		val := strings.ToLower(op.Value)
		switch op.Name {
		case "FORMAT":
			switch val {
			case "text":
				o.Format = pgcodec.CopyText
			case "csv":
				o.Format = pgcodec.CopyCSV
			case "binary":
				o.Format = pgcodec.CopyBinary
			default:
				return spec, copyErr(sqlerr.InvalidParameterValue, "COPY format \"%s\" not recognized", op.Value)
			}
		case "HEADER":
			switch val {
			case "", "true", "on", "1":
				o.Header = !op.HasArg || val != ""
			case "false", "off", "0":
			case "match":
				if !x.From {
					return spec, copyErr(sqlerr.FeatureNotSupported, "cannot use \"match\" with HEADER in COPY TO")
				}
				o.Header, spec.match = true, true
			default:
				return spec, copyErr(sqlerr.SyntaxError, "header requires a Boolean value or \"match\"")
			}
		case "DELIMITER", "QUOTE", "ESCAPE":
			if len(op.Value) != 1 {
				return spec, copyErr(sqlerr.FeatureNotSupported, "COPY %s must be a single one-byte character", strings.ToLower(op.Name))
			}
			switch op.Name {
			case "DELIMITER":
				o.Delimiter = op.Value[0]
			case "QUOTE":
				o.Quote = op.Value[0]
			default:
				o.Escape = op.Value[0]
			}
		case "NULL":
			o.Null, o.HasNull = op.Value, true
		case "FORCE_QUOTE":
			forceQuote = op
		case "FORCE_NOT_NULL":
			forceNotNull = op
		case "FORCE_NULL":
			forceNull = op
		case "ENCODING":
			switch strings.ReplaceAll(strings.ToUpper(op.Value), "-", "") {
			case "UTF8", "UNICODE", "SQL_ASCII":
			default:
				return spec, copyErr(sqlerr.FeatureNotSupported, "COPY encoding \"%s\" is not supported: mirrordb reads and writes UTF8", op.Value)
			}
		case "FREEZE":
			// Rows are visible only once the load commits anyway.
		default:
			return spec, copyErr(sqlerr.SyntaxError, "option \"%s\" not recognized", strings.ToLower(op.Name))
		}
	}
	csv := o.Format == pgcodec.CopyCSV
	switch {
	case o.Format == pgcodec.CopyBinary && (seen["DELIMITER"] || seen["NULL"] || seen["HEADER"] && o.Header):
		return spec, copyErr(sqlerr.SyntaxError, "cannot specify DELIMITER, NULL or HEADER in BINARY mode")
	case !csv && (seen["QUOTE"] || seen["ESCAPE"]):
		return spec, copyErr(sqlerr.FeatureNotSupported, "COPY quote and escape available only in CSV mode")
	case !csv && (forceQuote != nil || forceNotNull != nil || forceNull != nil):
		return spec, copyErr(sqlerr.FeatureNotSupported, "COPY force options available only in CSV mode")
	case forceQuote != nil && x.From:
		return spec, copyErr(sqlerr.FeatureNotSupported, "COPY force quote only available using COPY TO")
	case (forceNotNull != nil || forceNull != nil) && !x.From:
		return spec, copyErr(sqlerr.FeatureNotSupported, "COPY force not null and force null only available using COPY FROM")
	case o.Format == pgcodec.CopyText && (o.Delimiter == '\\' || o.Delimiter == '\r' || o.Delimiter == '\n'):
		return spec, copyErr(sqlerr.InvalidParameterValue, "COPY delimiter cannot be newline, carriage return or backslash")
	case csv && o.Quote != 0 && o.Quote == o.Delimiter:
		return spec, copyErr(sqlerr.InvalidParameterValue, "COPY delimiter and quote must be different")
	case o.HasNull && strings.ContainsAny(o.Null, "\r\n"):
		return spec, copyErr(sqlerr.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	}
	var err error
	if o.ForceQuote, err = forceColumns(forceQuote, names); err != nil {
		return spec, err
	}
	if o.ForceNotNull, err = forceColumns(forceNotNull, names); err != nil {
		return spec, err
	}
	if o.ForceNull, err = forceColumns(forceNull, names); err != nil {
		return spec, err
	}
	return spec, nil
}

// forceColumns turns a FORCE_* option's column list (or *) into a flag per
// copied column.
func forceColumns(op *parser.CopyOption, names []string) ([]bool, error) {
	if op == nil {
		return nil, nil
	}
	flags := make([]bool, len(names))
	if op.Star {
		for i := range flags {
			flags[i] = true
		}
		return flags, nil
	}
	for _, c := range op.Columns {
		i := indexFold(names, c)
		if i < 0 {
			return nil, copyErr(sqlerr.InvalidColumnReference, "%s column \"%s\" not referenced by COPY", op.Name, c)
		}
		flags[i] = true
	}
	return flags, nil
}

func indexFold(list []string, s string) int {
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

// planCopy binds COPY.
func (b *binder) planCopy(x *parser.Copy) (*stmtPlan, error) {
	if x.Program {
		return nil, b.ErrAt(x, sqlerr.New(40517, "COPY ... PROGRAM"))
	}
	if x.File != "" {
		if !b.set.IsSysadmin() {
			return nil, b.ErrAt(x, sqlerr.New(4834))
		}
		if !filepath.IsAbs(x.File) {
			return nil, b.ErrAt(x, copyErr(sqlerr.InvalidName, "relative path not allowed for COPY to or from a file"))
		}
	}
	if x.From {
		return b.planCopyFrom(x)
	}
	return b.planCopyTo(x)
}

// copyTarget binds the table and column list of a COPY FROM (or BULK
// INSERT): the named columns, else every column INSERT fills without a
// column list (all but identity columns).
func (b *binder) copyTarget(x bind.Positioned, table parser.ObjectName, columns []string) (*Database, *exec.Insert, error) {
	db, def, err := b.lookupTable(table)
	if err != nil {
		return nil, nil, err
	}
	p, err := b.dml().InsertInto(x, db, def, columns)
	if err != nil {
		return nil, nil, err
	}
	if p.Defs, err = b.dml().BindDefaults(def); err != nil {
		return nil, nil, err
	}
	return db, p, nil
}

func (b *binder) planCopyFrom(x *parser.Copy) (*stmtPlan, error) {
	if x.Query != nil {
		return nil, b.ErrAt(x, copyErr(sqlerr.SyntaxError, "syntax error at or near \"FROM\": COPY (query) only copies TO"))
	}
	db, ins, err := b.copyTarget(x, *x.Table, x.Columns)
	if err != nil {
		return nil, err
	}
	names := ins.TargetNames()
	spec, err := copyOptions(x, names)
	if err != nil {
		return nil, b.ErrAt(x, err)
	}
	l := newLoader(ins, spec.opt.Format == pgcodec.CopyBinary)
	l.where = func(line int) string { return "COPY " + ins.W.Table.Name + ", line " + itoa(int64(line)) }
	return &stmtPlan{write: db, run: func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
		var in io.Reader
		if x.File != "" {
			f, err := os.Open(x.File)
			if err != nil {
				return "", sqlerr.New(4860, x.File)
			}
			defer f.Close()
			in = f
		} else {
			c, ok := copier(w)
			if !ok {
				return "", sqlerr.New(40517, "COPY FROM STDIN on this connection")
			}
			r, err := c.CopyIn(session.CopyFormat(boolInt(spec.opt.Format == pgcodec.CopyBinary)), len(names))
			if err != nil {
				return "", err
			}
			in = r
		}
		rd := pgcodec.NewCopyReader(in, spec.opt, len(names))
		n, err := l.load(e, t, rd, spec.match)
		if err != nil {
			return "", err
		}
		if x.File == "" {
			// The client ends the copy after the data (CopyDone), or
			// abandons it (CopyFail): read that far.
			if _, err := io.Copy(io.Discard, in); err != nil {
				return "", err
			}
		}
		return sessionOf(e).rowsTag("COPY", n), nil
	}}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// copier finds the front end's COPY sub-protocol behind w.
func copier(w session.ResultWriter) (session.Copier, bool) {
	if cw, ok := w.(*countingWriter); ok {
		w = cw.ResultWriter
	}
	c, ok := w.(session.Copier)
	return c, ok
}

// planCopyTo binds COPY table/(query) TO STDOUT or a file.
func (b *binder) planCopyTo(x *parser.Copy) (*stmtPlan, error) {
	q := x.Query
	if q == nil {
		q = &parser.Select{Pos: x.Pos, From: []parser.TableExpr{&parser.TableRef{Pos: x.Table.Pos, Name: *x.Table}}}
		if len(x.Columns) == 0 {
			q.Items = []*parser.SelectItem{{Pos: x.Pos, Star: true}}
		}
		for _, c := range x.Columns {
			q.Items = append(q.Items, &parser.SelectItem{Pos: x.Pos, Expr: &parser.ColumnRef{Pos: x.Pos, Parts: []string{c}}})
		}
	}
	sp, err := b.planSelect(q)
	if err != nil {
		return nil, err
	}
	chooseAccess(sp.Src, sp.Where)
	names := make([]string, len(sp.Cols))
	for i, c := range sp.Cols {
		names[i] = c.Name
	}
	spec, err := copyOptions(x, names)
	if err != nil {
		return nil, b.ErrAt(x, err)
	}
	binary := spec.opt.Format == pgcodec.CopyBinary
	return &stmtPlan{dbs: b.referenced(q.From), run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		var out io.Writer
		var finish func() error
		if x.File != "" {
			f, err := os.Create(x.File)
			if err != nil {
				return "", copyErr(sqlerr.IOError, "could not open file \"%s\" for writing: %v", x.File, errors.Unwrap(err))
			}
			defer f.Close()
			bw := bufio.NewWriterSize(f, 64<<10)
			out, finish = bw, func() error {
				if err := bw.Flush(); err != nil {
					return err
				}
				return f.Close()
			}
		} else {
			c, ok := copier(w)
			if !ok {
				return "", sqlerr.New(40517, "COPY TO STDOUT on this connection")
			}
			cw, err := c.CopyOut(session.CopyFormat(boolInt(binary)), len(names))
			if err != nil {
				return "", err
			}
			out, finish = cw, cw.Close
		}
		cw := pgcodec.NewCopyWriter(out, spec.opt)
		if err := cw.Header(names); err != nil {
			return "", err
		}
		var n int64
		fields := make([][]byte, len(names))
		buf := make([]byte, 0, 256)
		err := sp.Run(e, func(row []types.Value) error {
			buf = buf[:0]
			for i, v := range row {
				if v == nil {
					fields[i] = nil
					continue
				}
				start := len(buf)
				var err error
				if binary {
					buf, err = pgcodec.AppendBinary(buf, sp.Cols[i].Type, v)
				} else {
					buf, err = pgcodec.AppendText(buf, sp.Cols[i].Type, v)
				}
				if err != nil {
					return err
				}
				fields[i] = buf[start:len(buf):len(buf)]
			}
			n++
			return cw.Row(fields)
		})
		if err != nil {
			return "", err
		}
		if err := cw.Close(); err != nil {
			return "", err
		}
		if err := finish(); err != nil {
			return "", err
		}
		return sessionOf(e).rowsTag("COPY", n), nil
	}}, nil
}
