package engine

import (
	"time"

	"mirrordb/engine/backup"
	"mirrordb/engine/builtins"
	"mirrordb/engine/exec"
	"mirrordb/parser"
	"mirrordb/session"
	"mirrordb/sqlerr"
	"mirrordb/types"
)

// Statement layer of BACKUP and RESTORE: options, messages and result sets.

// backupOptions are the WITH options of one BACKUP or RESTORE statement.
type backupOptions struct {
	names       map[string]bool
	name        string
	description string
	mediaName   string
	stats       int // percent step; 0 = no progress messages
	file        int
	stopAt      time.Time
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

// optionValue evaluates a WITH option's value, a constant expression (nil
// when the option has none).
func (b *binder) optionValue(opt *parser.BackupOption) (types.Value, error) {
	if opt.Value == nil {
		return nil, nil
	}
	x, err := b.bindExpr(opt.Value, nil, nil, types.TypeUnknown)
	if err != nil {
		return nil, err
	}
	val, err := x.Eval(&exec.Env{Sess: b.s, Now: time.Now()})
	if err != nil {
		return nil, b.errAt(opt, err)
	}
	return val, nil
}

// parseBackupOptions validates and evaluates WITH options (constant
// expressions only).
func (b *binder) parseBackupOptions(stmt string, opts []*parser.BackupOption, allowed map[string]bool) (*backupOptions, error) {
	o := &backupOptions{names: map[string]bool{}, file: 1}
	for _, opt := range opts {
		if !allowed[opt.Name] {
			return nil, b.errAt(opt, sqlerr.New(155, opt.Name, stmt))
		}
		o.names[opt.Name] = true
		val, err := b.optionValue(opt)
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
				return nil, b.errAt(opt, sqlerr.New(155, text, "STATS"))
			}
		case "FILE":
			o.file = int(builtins.ToInt(val))
			if o.file < 1 {
				return nil, b.errAt(opt, sqlerr.New(4038, o.file, "FILE"))
			}
		case "STOPAT":
			t, ok := types.ParseTime(text)
			if !ok {
				return nil, b.errAt(opt, sqlerr.New(241))
			}
			// Commit times are UTC; STOPAT is the server's wall clock, as
			// GETDATE() shows it.
			o.stopAt = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local).UTC()
		case "DIFFERENTIAL", "STANDBY":
			return nil, b.errAt(opt, sqlerr.New(40517, stmt+" WITH "+opt.Name))
		}
	}
	if o.names["RECOVERY"] && o.names["NORECOVERY"] {
		return nil, b.errAt(opts[0], sqlerr.New(3032, "RECOVERY, NORECOVERY"))
	}
	return o, nil
}

// mode is the media mode the options ask for.
func (o *backupOptions) mode() backup.Mode {
	switch {
	case o.names["FORMAT"]:
		return backup.Format
	case o.names["INIT"]:
		return backup.Init
	}
	return backup.Append
}

// progress sends "n percent processed." notices every o.stats percent.
func (o *backupOptions) progress(w session.ResultWriter) Progress {
	if o.stats == 0 {
		return nil
	}
	next := o.stats
	return func(done, total int64) {
		if total <= 0 {
			return
		}
		for pct := int(done * 100 / total); pct >= next && next <= 100; next += o.stats {
			_ = w.Notice(sqlerr.New(3211, next))
		}
	}
}

// singleDisk returns the one DISK device of a statement.
func (b *binder) singleDisk(n positioned, devices []*parser.Device) (string, error) {
	if len(devices) != 1 {
		return "", b.errAt(n, sqlerr.New(40517, "backup to more than one device (striped media sets)"))
	}
	if devices[0].Kind != "DISK" {
		return "", b.errAt(devices[0], sqlerr.New(40517, "backup device type "+devices[0].Kind))
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
func completed(w session.ResultWriter, verb, db, file string, res BackupResult) error {
	if err := w.Notice(sqlerr.New(4035, res.Pages(), db, file, res.Position)); err != nil {
		return err
	}
	secs := max(res.Elapsed.Seconds(), 0.001)
	return w.Notice(sqlerr.New(3014, verb, res.Pages(), secs, float64(res.Bytes)/(1<<20)/secs))
}

func (b *binder) planBackup(x *parser.Backup) (*stmtPlan, error) {
	s := b.s
	verb := "BACKUP DATABASE"
	allowed := backupDBOptions
	if x.Log {
		verb, allowed = "BACKUP LOG", backupLogOptions
	}
	path, err := b.singleDisk(x, x.Devices)
	if err != nil {
		return nil, err
	}
	o, err := b.parseBackupOptions(verb, x.Options, allowed)
	if err != nil {
		return nil, err
	}
	d := s.inst.Database(x.Database)
	if d == nil {
		return nil, b.errAt(x, sqlerr.New(911, x.Database))
	}
	req := BackupRequest{Log: x.Log, Path: path, Mode: o.mode(), MediaName: o.mediaName, Name: o.name,
		Description: o.description, CopyOnly: o.names["COPY_ONLY"], Checksum: o.names["CHECKSUM"],
		NoRecovery: o.names["NORECOVERY"], NoTruncate: o.names["NO_TRUNCATE"], User: s.startup.User, Session: s}
	return &stmtPlan{noTx: verb, noTxNumber: 3021, dbs: []*Database{d}, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		if err := d.checkOpen(); err != nil {
			return "", terminating(verb, err)
		}
		var res BackupResult
		var err error
		if x.Log {
			if req.NoRecovery && d.Mirrored() {
				return "", terminating(verb, sqlerr.New(1468, d.Name()))
			}
			if req.NoRecovery && (s.db == d || d.users.Load() > 0) {
				return "", terminating(verb, sqlerr.New(3101))
			}
			res, err = s.inst.BackupLog(e.Ctx, d, req, s.progress(o.progress(w)))
		} else {
			res, err = s.inst.BackupDatabase(e.Ctx, d, req, s.progress(o.progress(w)))
		}
		if err != nil {
			return "", terminating(verb, err)
		}
		file := d.Name()
		if x.Log {
			file += "_log"
		}
		return verb, completed(w, verb, d.Name(), file, res)
	}}, nil
}

func (b *binder) planRestore(x *parser.Restore) (*stmtPlan, error) {
	s := b.s
	verb := "RESTORE " + x.Kind
	o, err := b.parseBackupOptions(verb, x.Options, restoreOptions)
	if err != nil {
		return nil, err
	}
	if len(x.Devices) == 0 {
		if x.Kind != "DATABASE" || !o.names["RECOVERY"] {
			return nil, b.errAt(x, sqlerr.New(3032, "RESTORE DATABASE without FROM needs WITH RECOVERY"))
		}
		return &stmtPlan{noTx: verb, noTxNumber: 3021, run: func(*exec.Env, *txn, session.ResultWriter) (string, error) {
			if err := s.inst.RecoverDatabase(x.Database); err != nil {
				return "", terminating(verb, err)
			}
			return verb, nil
		}}, nil
	}
	path, err := b.singleDisk(x, x.Devices)
	if err != nil {
		return nil, err
	}
	switch x.Kind {
	case "HEADERONLY":
		return b.planHeaderOnly(path), nil
	case "VERIFYONLY":
		return &stmtPlan{noTx: verb, noTxNumber: 3021, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
			if _, err := backup.Verify(s.inst.BackupPath(path), o.file); err != nil {
				return "", terminating("VERIFY DATABASE", backup.DeviceError(path, err))
			}
			return verb, w.Notice(sqlerr.New(3262, o.file))
		}}, nil
	case "FILELISTONLY", "LABELONLY":
		return b.planMediaInfo(x.Kind, path, o.file), nil
	}
	req := RestoreRequest{Log: x.Kind == "LOG", Database: x.Database, Path: path, Position: o.file,
		NoRecovery: o.names["NORECOVERY"], Replace: o.names["REPLACE"], StopAt: o.stopAt, Session: s}
	return &stmtPlan{noTx: verb, noTxNumber: 3021, run: func(e *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		var res BackupResult
		var err error
		if req.Log {
			res, err = s.inst.RestoreLog(e.Ctx, req, s.progress(o.progress(w)))
		} else {
			res, err = s.inst.RestoreDatabase(e.Ctx, req, s.progress(o.progress(w)))
		}
		if err != nil {
			return "", terminating(verb, err)
		}
		file := x.Database
		if req.Log {
			file += "_log"
		}
		return verb, completed(w, verb, x.Database, file, res)
	}}, nil
}

var headerOnlyColumns = cols(
	"BackupName", types.NVarCharType(128), "BackupDescription", types.NVarCharType(255),
	"BackupType", types.TypeSmallInt, "ExpirationDate", dtT, "Compressed", types.TypeBit,
	"Position", types.TypeSmallInt, "DeviceType", types.TypeTinyInt, "UserName", types.NVarCharType(128),
	"ServerName", types.NVarCharType(128), "DatabaseName", types.NVarCharType(128),
	"DatabaseVersion", intT, "DatabaseCreationDate", dtT, "BackupSize", types.DecimalType(20, 0),
	"FirstLSN", lsnT, "LastLSN", lsnT, "CheckpointLSN", lsnT, "DatabaseBackupLSN", lsnT,
	"BackupStartDate", dtT, "BackupFinishDate", dtT, "MachineName", types.NVarCharType(128),
	"RecoveryForkID", types.TypeUUID, "Collation", types.NVarCharType(128), "FamilyGUID", types.TypeUUID,
	"HasBackupChecksums", types.TypeBit, "IsDamaged", types.TypeBit, "BeginsLogChain", types.TypeBit,
	"IsForceOffline", types.TypeBit, "IsCopyOnly", types.TypeBit, "RecoveryModel", types.NVarCharType(60),
	"BackupTypeDescription", types.NVarCharType(60), "BackupSetGUID", types.TypeUUID,
	"CompressedBackupSize", types.DecimalType(20, 0),
)

// planHeaderOnly lists the backup sets of a media file (RESTORE HEADERONLY).
func (b *binder) planHeaderOnly(path string) *stmtPlan {
	s := b.s
	return &stmtPlan{cols: headerOnlyColumns, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		m, err := backup.Open(s.inst.BackupPath(path))
		if err != nil {
			return "", terminating("RESTORE HEADERONLY", backup.DeviceError(path, err))
		}
		for _, set := range m.Sets {
			h, tr := set.Header, set.Trailer
			typeDesc := "DATABASE"
			if h.Type == backup.TypeLog {
				typeDesc = "TRANSACTION LOG"
			}
			size := types.DecFromInt(tr.Bytes)
			row := []types.Value{nullIfEmpty(h.Name), nullIfEmpty(h.Description), int64(h.Type), nil, false,
				int64(h.Position), int64(2), h.UserName, h.ServerName, h.DatabaseName, int64(957),
				localTime(h.DatabaseCreated), size, lsnValue(h.FirstLSN), lsnValue(h.LastLSN),
				lsnValue(h.CheckpointLSN), lsnValue(h.DatabaseBackupLSN), localTime(h.Started),
				localTime(tr.Finished), h.ServerName, uuidOrNil(h.RecoveryForkGUID), "Latin1_General_BIN2",
				uuidOrNil(h.FamilyGUID), h.Checksums, false, h.BeginsLogChain, h.ForceOffline, h.CopyOnly,
				h.RecoveryModel, typeDesc, uuidOrNil(h.BackupSetGUID), size}
			if err := w.Row(row); err != nil {
				return "", err
			}
		}
		return s.rowsTag("SELECT", int64(len(m.Sets))), nil
	}}
}

// planMediaInfo answers RESTORE FILELISTONLY (the database's logical files)
// and RESTORE LABELONLY (the media header).
func (b *binder) planMediaInfo(kind, path string, file int) *stmtPlan {
	s := b.s
	var columns []session.Column
	if kind == "LABELONLY" {
		columns = cols("MediaName", types.NVarCharType(128), "MediaSetId", types.TypeUUID,
			"FamilyCount", intT, "FamilySequenceNumber", intT, "MediaDate", dtT, "SoftwareName", types.NVarCharType(128))
	} else {
		columns = cols("LogicalName", types.NVarCharType(128), "PhysicalName", types.NVarCharType(260),
			"Type", types.Type{Kind: types.Char, Length: 1}, "FileGroupName", types.NVarCharType(128),
			"Size", types.DecimalType(20, 0), "FileId", types.TypeBigInt)
	}
	return &stmtPlan{cols: columns, run: func(_ *exec.Env, _ *txn, w session.ResultWriter) (string, error) {
		m, err := backup.Open(s.inst.BackupPath(path))
		if err != nil {
			return "", terminating("RESTORE "+kind, backup.DeviceError(path, err))
		}
		if kind == "LABELONLY" {
			return s.rowsTag("SELECT", 1), w.Row([]types.Value{nullIfEmpty(m.Header.Name), uuidOrNil(m.Header.MediaGUID),
				int64(1), int64(1), localTime(m.Header.Created), "mirrordb " + Version})
		}
		set, err := m.Set(file)
		if err != nil {
			return "", terminating("RESTORE "+kind, backup.DeviceError(path, err))
		}
		name := set.Header.DatabaseName
		size := types.DecFromInt(set.Trailer.Bytes)
		if err := w.Row([]types.Value{name, dirName(name), "D", "PRIMARY", size, int64(1)}); err != nil {
			return "", err
		}
		return s.rowsTag("SELECT", 2), w.Row([]types.Value{name + "_log", dirName(name) + "/log", "L", nil, types.DecFromInt(0), int64(2)})
	}}
}

func nullIfEmpty(s string) types.Value {
	if s == "" {
		return nil
	}
	return s
}

func lsnValue(lsn uint64) types.Value { return types.DecFromInt(int64(lsn)) }

func uuidOrNil(s string) types.Value {
	if u, ok := types.ParseUUID(s); ok {
		return u
	}
	return nil
}

// localTime shows a stored UTC instant as the server's wall clock, as
// SQL Server's DATETIME columns do.
func localTime(t time.Time) types.Value {
	if t.IsZero() {
		return nil
	}
	v, _ := types.NormalizeTime(builtins.LocalWall(t), types.TypeDateTime)
	return v
}
