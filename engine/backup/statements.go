package backup

import (
	"context"
	"time"

	"mirrordb/engine/builtins"
	"mirrordb/engine/stmtopt"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// The BACKUP and RESTORE statements: their WITH options, the checks made
// before anything runs, the messages (4035, 3014, 3013) and the result
// sets of RESTORE HEADERONLY, FILELISTONLY and LABELONLY. What needs a
// database or the instance (the checkpoint, the log chain, installing a
// restored store) the engine does behind Instance.

// Binder is what binding a statement needs of the engine's binder.
type Binder = stmtopt.Binder

// Instance runs the jobs; the engine implements it.
type Instance interface {
	// Path resolves a file name as a statement writes it (relative names
	// are under the instance's backup directory).
	Path(file string) string
	// Backup takes a full or log backup (BackupDatabase, BackupLog) of
	// the statement's database (Statement.Database, resolved when it was
	// bound), Restore restores one (RestoreDatabase, RestoreLog), Recover
	// brings a RESTORING database online (RESTORE ... WITH RECOVERY
	// without FROM).
	Backup(ctx context.Context, req Request, progress Progress) (Result, error)
	Restore(ctx context.Context, req RestoreRequest, progress Progress) (Result, error)
	Recover(database string) error
	// FileName is the physical name FILELISTONLY shows for a database's
	// data file; Software names the server in LABELONLY.
	FileName(database string) string
	Software() string
}

// Output is where a statement's rows and messages go
// (session.ResultWriter is one).
type Output interface {
	Row(values []types.Value) error
	Notice(msg *sqlerr.Error) error
}

// Progress receives the bytes (log backups: records) processed so far and
// the total expected (0 when unknown), for STATS.
type Progress func(done, total int64)

// Result is what the completion messages report.
type Result struct {
	// Database is the database's name as the instance holds it.
	Database string
	Position int
	Bytes    int64
	Elapsed  time.Duration
}

// Pages is the size in SQL Server's 8 KB pages, for 4035 and 3014.
func (r Result) Pages() int64 { return (r.Bytes + 8191) / 8192 }

// Statement is a bound BACKUP or RESTORE.
type Statement struct {
	// Verb is the statement's tag and the trailer's (3013) verb.
	Verb string
	// Database is the database a BACKUP reads ("" for RESTORE): the
	// engine resolves it when binding (911).
	Database string
	// Columns are the result set's (HEADERONLY, FILELISTONLY,
	// LABELONLY), nil for the statements that return none: those change
	// a database or media and cannot run inside a transaction (3021).
	Columns []session.Column
	// Run runs it, returning the rows it sent.
	Run func(ctx context.Context, in Instance, out Output) (rows int64, err error)
}

// options are the WITH options of one BACKUP or RESTORE statement.
type options struct {
	names       map[string]bool
	name        string
	description string
	mediaName   string
	stats       int // percent step; 0 = no progress messages
	file        int // FILE = n, the backup set's position
	stopAt      time.Time
}

// mode is the media mode the options ask for.
func (o *options) mode() Mode {
	switch {
	case o.names["FORMAT"]:
		return Format
	case o.names["INIT"]:
		return Init
	}
	return Append
}

// Options each statement accepts; anything else is Msg 155. Options that
// mirrordb accepts but that change nothing (COMPRESSION, ...) are listed
// too, since scripts written for SQL Server use them.
var (
	backupDBOptions = set("FORMAT", "NOFORMAT", "INIT", "NOINIT", "SKIP", "NOSKIP", "COPY_ONLY", "CHECKSUM",
		"NO_CHECKSUM", "NAME", "DESCRIPTION", "STATS", "MEDIANAME", "COMPRESSION", "NO_COMPRESSION",
		"STOP_ON_ERROR", "CONTINUE_AFTER_ERROR", "REWIND", "NOREWIND", "UNLOAD", "NOUNLOAD", "DIFFERENTIAL")
	backupLogOptions = set(append(keysOf(backupDBOptions), "NORECOVERY", "NO_TRUNCATE")...)
	restoreOptions   = set("FILE", "RECOVERY", "NORECOVERY", "REPLACE", "STATS", "CHECKSUM", "NO_CHECKSUM",
		"STOPAT", "MOVE", "RESTRICTED_USER", "STOP_ON_ERROR", "CONTINUE_AFTER_ERROR", "LOADHISTORY",
		"REWIND", "NOREWIND", "UNLOAD", "NOUNLOAD", "STANDBY", "KEEP_REPLICATION", "ENABLE_BROKER")
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// parseOptions validates and evaluates WITH options (constant expressions
// only).
func parseOptions(stmt string, opts []*parser.BackupOption, allowed map[string]bool, b Binder) (*options, error) {
	o := &options{names: map[string]bool{}, file: 1}
	for _, opt := range opts {
		if !allowed[opt.Name] {
			return nil, b.At(opt.Pos, sqlerr.New(155, opt.Name, stmt))
		}
		o.names[opt.Name] = true
		val, err := b.OptionValue(opt)
		if err != nil {
			return nil, err
		}
		text := types.ToText(val, types.TypeUnknown)
		switch opt.Name {
		case "NAME":
			o.name = text
		case "DESCRIPTION":
			o.description = text
		case "MEDIANAME":
			o.mediaName = text
		case "STATS":
			o.stats = 10
			if val != nil {
				o.stats = int(builtins.ToInt(val))
			}
			if o.stats < 1 || o.stats > 100 {
				return nil, b.At(opt.Pos, sqlerr.New(155, text, "STATS"))
			}
		case "FILE":
			o.file = int(builtins.ToInt(val))
			if o.file < 1 {
				return nil, b.At(opt.Pos, sqlerr.New(4038, o.file, "FILE"))
			}
		case "STOPAT":
			t, ok := types.ParseTime(text)
			if !ok {
				return nil, b.At(opt.Pos, sqlerr.New(241))
			}
			// Commit times are UTC; STOPAT is the server's wall clock, as
			// GETDATE() shows it.
			o.stopAt = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local).UTC()
		case "DIFFERENTIAL", "STANDBY":
			return nil, b.At(opt.Pos, sqlerr.New(40517, stmt+" WITH "+opt.Name))
		}
	}
	if o.names["RECOVERY"] && o.names["NORECOVERY"] {
		return nil, b.At(opts[0].Pos, sqlerr.New(3032, "RECOVERY, NORECOVERY"))
	}
	return o, nil
}

// progress sends "n percent processed." notices every Stats percent.
func (o *options) progress(out Output) Progress {
	if o.stats == 0 {
		return nil
	}
	next := o.stats
	return func(done, total int64) {
		if total <= 0 {
			return
		}
		for pct := int(done * 100 / total); pct >= next && next <= 100; next += o.stats {
			_ = out.Notice(sqlerr.New(3211, next))
		}
	}
}

// singleDisk returns the one DISK device of a statement.
func singleDisk(p parser.Pos, devices []*parser.Device, b Binder) (string, error) {
	if len(devices) != 1 {
		return "", b.At(p, sqlerr.New(40517, "backup to more than one device (striped media sets)"))
	}
	if devices[0].Kind != "DISK" {
		return "", b.At(devices[0].Pos, sqlerr.New(40517, "backup device type "+devices[0].Kind))
	}
	return devices[0].Path, nil
}

// terminating adds SQL Server's trailer message (Msg 3013) to a failed
// BACKUP or RESTORE, as its Detail.
func terminating(verb string, err error) error {
	e := *sqlerr.As(err)
	e.Detail = sqlerr.New(3013, verb).Text()
	return &e
}

// completed sends the 4035 and 3014 messages of a successful operation.
func completed(out Output, verb, db, file string, res Result) error {
	if err := out.Notice(sqlerr.New(4035, res.Pages(), db, file, res.Position)); err != nil {
		return err
	}
	secs := max(res.Elapsed.Seconds(), 0.001)
	return out.Notice(sqlerr.New(3014, verb, res.Pages(), secs, float64(res.Bytes)/(1<<20)/secs))
}

// Bind checks a BACKUP or RESTORE statement and returns it bound.
func Bind(st parser.Statement, b Binder) (*Statement, error) {
	switch x := st.(type) {
	case *parser.Backup:
		return bindBackup(x, b)
	case *parser.Restore:
		return bindRestore(x, b)
	}
	return nil, b.At(st.Position(), sqlerr.New(40517, "this statement"))
}

func bindBackup(x *parser.Backup, b Binder) (*Statement, error) {
	verb, allowed := "BACKUP DATABASE", backupDBOptions
	if x.Log {
		verb, allowed = "BACKUP LOG", backupLogOptions
	}
	path, err := singleDisk(x.Pos, x.Devices, b)
	if err != nil {
		return nil, err
	}
	o, err := parseOptions(verb, x.Options, allowed, b)
	if err != nil {
		return nil, err
	}
	req := Request{Log: x.Log, Path: path, Mode: o.mode(), MediaName: o.mediaName, Name: o.name,
		Description: o.description, CopyOnly: o.names["COPY_ONLY"], Checksum: o.names["CHECKSUM"],
		NoRecovery: o.names["NORECOVERY"], NoTruncate: o.names["NO_TRUNCATE"]}
	return &Statement{Verb: verb, Database: x.Database, Run: func(ctx context.Context, in Instance, out Output) (int64, error) {
		res, err := in.Backup(ctx, req, o.progress(out))
		if err != nil {
			return 0, terminating(verb, err)
		}
		return 0, completed(out, verb, res.Database, logicalFile(res.Database, x.Log), res)
	}}, nil
}

// logicalFile is the logical name of a database's data or log file, as
// 4035 names what a backup processed.
func logicalFile(db string, log bool) string {
	if log {
		return db + "_log"
	}
	return db
}

func bindRestore(x *parser.Restore, b Binder) (*Statement, error) {
	verb := "RESTORE " + x.Kind
	o, err := parseOptions(verb, x.Options, restoreOptions, b)
	if err != nil {
		return nil, err
	}
	if len(x.Devices) == 0 {
		if x.Kind != "DATABASE" || !o.names["RECOVERY"] {
			return nil, b.At(x.Pos, sqlerr.New(3032, "RESTORE DATABASE without FROM needs WITH RECOVERY"))
		}
		return &Statement{Verb: verb, Run: func(_ context.Context, in Instance, _ Output) (int64, error) {
			if err := in.Recover(x.Database); err != nil {
				return 0, terminating(verb, err)
			}
			return 0, nil
		}}, nil
	}
	path, err := singleDisk(x.Pos, x.Devices, b)
	if err != nil {
		return nil, err
	}
	switch x.Kind {
	case "HEADERONLY":
		return headerOnly(path), nil
	case "VERIFYONLY":
		return &Statement{Verb: verb, Run: func(_ context.Context, in Instance, out Output) (int64, error) {
			if _, err := Verify(in.Path(path), o.file); err != nil {
				return 0, terminating("VERIFY DATABASE", DeviceError(path, err))
			}
			return 0, out.Notice(sqlerr.New(3262, o.file))
		}}, nil
	case "FILELISTONLY":
		return fileListOnly(path, o.file), nil
	case "LABELONLY":
		return labelOnly(path), nil
	}
	req := RestoreRequest{Log: x.Kind == "LOG", Database: x.Database, Path: path, Position: o.file,
		NoRecovery: o.names["NORECOVERY"], Replace: o.names["REPLACE"], StopAt: o.stopAt}
	return &Statement{Verb: verb, Run: func(ctx context.Context, in Instance, out Output) (int64, error) {
		res, err := in.Restore(ctx, req, o.progress(out))
		if err != nil {
			return 0, terminating(verb, err)
		}
		return 0, completed(out, verb, x.Database, logicalFile(x.Database, req.Log), res)
	}}, nil
}
