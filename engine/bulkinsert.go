package engine

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/pgcodec"
	"mirrordb/session"
	"mirrordb/sqlerr"
)

// T-SQL's BULK INSERT: loads a character data file on the server (its
// fields split at FIELDTERMINATOR, or csv with FORMAT = 'CSV') into every
// column of a table, in one write transaction, with the rows converted as
// COPY FROM converts them (loader). As in SQL Server, a row whose value
// does not convert is skipped and counted (Msg 4864, sent as a notice)
// until more than MAXERRORS (default 10) rows failed (Msg 4865); any
// other error, such as a duplicate key, fails the whole load. Reading the
// server's files is for sysadmin only (Msg 4834).

// bulkSpec is a BULK INSERT's options, checked.
type bulkSpec struct {
	opt       pgcodec.CopyOptions
	firstRow  int64
	lastRow   int64 // 0: to the end
	maxErrors int64
	keepNulls bool
}

func (b *binder) bulkOptions(x *parser.BulkInsert) (bulkSpec, error) {
	spec := bulkSpec{firstRow: 1, maxErrors: 10}
	spec.opt = pgcodec.CopyOptions{Format: pgcodec.CopyCSV, NoQuote: true, Delimiter: '\t', HasNull: true}
	seen := map[string]bool{}
	for _, o := range x.Options {
		bad := func() error { return b.ErrAt(o, sqlerr.New(102, o.Name)) }
		if seen[o.Name] {
			return spec, bad()
		}
		seen[o.Name] = true
		number := func(min int64) (int64, error) {
			n, err := strconv.ParseInt(o.Value, 10, 64)
			if err != nil || n < min {
				return 0, bad()
			}
			return n, nil
		}
		var err error
		switch o.Name {
		case "FORMAT":
			if !strings.EqualFold(o.Value, "CSV") {
				return spec, bad()
			}
			spec.opt.NoQuote = false
		case "FIELDQUOTE":
			if len(o.Value) != 1 {
				return spec, b.ErrAt(o, sqlerr.New(40517, "a FIELDQUOTE of other than one character"))
			}
			spec.opt.Quote = o.Value[0]
		case "FIELDTERMINATOR":
			t, ok := terminator(o.Value)
			if !ok || len(t) != 1 {
				return spec, b.ErrAt(o, sqlerr.New(40517, "a FIELDTERMINATOR of other than one byte"))
			}
			spec.opt.Delimiter = t[0]
		case "ROWTERMINATOR":
			if t, ok := terminator(o.Value); !ok || t != "\n" && t != "\r\n" {
				return spec, b.ErrAt(o, sqlerr.New(40517, "a ROWTERMINATOR other than a line end"))
			}
		case "FIRSTROW":
			spec.firstRow, err = number(1)
		case "LASTROW":
			spec.lastRow, err = number(0)
		case "MAXERRORS":
			spec.maxErrors, err = number(0)
		case "BATCHSIZE", "ROWS_PER_BATCH", "KILOBYTES_PER_BATCH":
			// One transaction holds the whole load (a failed load loads
			// nothing), so batch sizes change nothing.
			_, err = number(0)
		case "KEEPNULLS":
			spec.keepNulls = true
		case "TABLOCK", "CHECK_CONSTRAINTS", "FIRE_TRIGGERS":
			// The load holds the database's writer lock; there are no
			// triggers or CHECK constraints to skip.
		case "CODEPAGE":
			switch strings.ToUpper(o.Value) {
			case "65001", "RAW", "UTF8", "UTF-8":
			default:
				return spec, b.ErrAt(o, sqlerr.New(40517, "CODEPAGE '"+o.Value+"' (files are read as UTF-8)"))
			}
		case "DATAFILETYPE":
			if !strings.EqualFold(o.Value, "char") {
				return spec, b.ErrAt(o, sqlerr.New(40517, "DATAFILETYPE '"+o.Value+"'"))
			}
		case "KEEPIDENTITY", "FORMATFILE", "ERRORFILE", "DATA_SOURCE", "ERRORFILE_DATA_SOURCE", "FORMATFILE_DATA_SOURCE":
			return spec, b.ErrAt(o, sqlerr.New(40517, "BULK INSERT ... "+o.Name))
		default:
			return spec, bad()
		}
		if err != nil {
			return spec, err
		}
	}
	return spec, nil
}

// terminator decodes a FIELDTERMINATOR or ROWTERMINATOR: the escapes \t,
// \n, \r, \0 and \\, or a byte in hex (0x2c).
func terminator(s string) (string, bool) {
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		var out []byte
		for h := s[2:]; len(h) >= 2; h = h[2:] {
			v, err := strconv.ParseUint(h[:2], 16, 8)
			if err != nil {
				return "", false
			}
			out = append(out, byte(v))
		}
		return string(out), len(out) > 0 && len(s)%2 == 0
	}
	r := strings.NewReplacer(`\t`, "\t", `\n`, "\n", `\r`, "\r", `\0`, "\x00", `\\`, `\`)
	t := r.Replace(s)
	return t, t != ""
}

func (b *binder) planBulkInsert(x *parser.BulkInsert) (*stmtPlan, error) {
	if !b.set.IsSysadmin() {
		return nil, b.ErrAt(x, sqlerr.New(4834))
	}
	spec, err := b.bulkOptions(x)
	if err != nil {
		return nil, err
	}
	db, def, err := b.lookupTable(x.Table)
	if err != nil {
		return nil, err
	}
	ins := &exec.Insert{}
	ins.W, ins.Rules = newWriter(db, def, "INSERT")
	for i := range def.Columns {
		ins.Targets = append(ins.Targets, i)
	}
	if ins.Defs, err = b.dml().BindDefaults(def); err != nil {
		return nil, err
	}
	l := newLoader(ins, false)
	for j, i := range ins.Targets {
		l.skip[j] = def.Columns[i].Identity != nil
	}
	l.emptyDefault = !spec.keepNulls
	return &stmtPlan{write: db, run: func(e *exec.Env, t *txn, w session.ResultWriter) (string, error) {
		f, err := os.Open(x.File)
		if err != nil {
			return "", sqlerr.New(4860, x.File)
		}
		defer f.Close()
		n, err := l.bulkLoad(e, t, pgcodec.NewCopyReader(f, spec.opt, len(ins.Targets)), spec, w)
		if err != nil {
			return "", err
		}
		return sessionOf(e).rowsTag("INSERT", n), nil
	}}, nil
}

// bulkLoad reads rows firstRow..lastRow of rd into the table, skipping
// rows whose values do not convert until more than maxErrors did.
func (l *loader) bulkLoad(e *exec.Env, t *txn, rd *pgcodec.CopyReader, spec bulkSpec, w session.ResultWriter) (int64, error) {
	var stored, failed int64
	if err := l.pastLastKey(t); err != nil {
		return 0, err
	}
	for row := int64(1); spec.lastRow == 0 || row <= spec.lastRow; row++ {
		if err := e.Gov.Check(); err != nil {
			return 0, err
		}
		fields, err := rd.Next()
		if err == io.EOF {
			break
		}
		var ce *pgcodec.CopyError
		if row < spec.firstRow && errors.As(err, &ce) && ce.Column == 0 {
			continue // rows before FIRSTROW (a header) need not have the table's fields
		}
		if err != nil {
			if errors.As(err, &ce) {
				if ce.Column == 0 {
					return 0, sqlerr.New(4832)
				}
				return 0, sqlerr.New(4866, row, ce.Column)
			}
			return 0, err
		}
		if row < spec.firstRow {
			continue
		}
		if err := l.charge(e, t, fields); err != nil {
			return 0, err
		}
		err = l.row(e, t, fields)
		var fe *fieldError
		if errors.As(err, &fe) {
			failed++
			if failed > spec.maxErrors {
				return 0, sqlerr.New(4865, spec.maxErrors)
			}
			msg := *sqlerr.New(4864, row, fe.col+1, l.ins.W.Table.Columns[l.ins.Targets[fe.col]].Name)
			msg.Severity, msg.Code = 10, sqlerr.Warning
			if err := w.Notice(&msg); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		stored++
	}
	return stored, nil
}
