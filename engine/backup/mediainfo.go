package backup

import (
	"context"

	"mirrordb/engine/builtins"
	"mirrordb/session"
	"mirrordb/types"
)

// RESTORE HEADERONLY, FILELISTONLY and LABELONLY: what a media file holds,
// as result sets with SQL Server's columns.

var (
	name128  = types.NVarCharType(128)
	lsnType  = types.DecimalType(25, 0)
	sizeType = types.DecimalType(20, 0)
)

func columns(spec ...any) []session.Column {
	out := make([]session.Column, 0, len(spec)/2)
	for i := 0; i < len(spec); i += 2 {
		out = append(out, session.Column{Name: spec[i].(string), Type: spec[i+1].(types.Type)})
	}
	return out
}

var headerOnlyColumns = columns(
	"BackupName", name128, "BackupDescription", types.NVarCharType(255),
	"BackupType", types.TypeSmallInt, "ExpirationDate", types.TypeDateTime, "Compressed", types.TypeBit,
	"Position", types.TypeSmallInt, "DeviceType", types.TypeTinyInt, "UserName", name128,
	"ServerName", name128, "DatabaseName", name128,
	"DatabaseVersion", types.TypeInt, "DatabaseCreationDate", types.TypeDateTime, "BackupSize", sizeType,
	"FirstLSN", lsnType, "LastLSN", lsnType, "CheckpointLSN", lsnType, "DatabaseBackupLSN", lsnType,
	"BackupStartDate", types.TypeDateTime, "BackupFinishDate", types.TypeDateTime, "MachineName", name128,
	"RecoveryForkID", types.TypeUUID, "Collation", name128, "FamilyGUID", types.TypeUUID,
	"HasBackupChecksums", types.TypeBit, "IsDamaged", types.TypeBit, "BeginsLogChain", types.TypeBit,
	"IsForceOffline", types.TypeBit, "IsCopyOnly", types.TypeBit, "RecoveryModel", types.NVarCharType(60),
	"BackupTypeDescription", types.NVarCharType(60), "BackupSetGUID", types.TypeUUID,
	"CompressedBackupSize", sizeType,
)

// headerOnly lists the backup sets of a media file.
func headerOnly(path string) *Statement {
	return &Statement{Verb: "RESTORE HEADERONLY", Columns: headerOnlyColumns, Run: func(_ context.Context, in Instance, out Output) (int64, error) {
		m, err := Open(in.Path(path))
		if err != nil {
			return 0, terminating("RESTORE HEADERONLY", DeviceError(path, err))
		}
		for _, set := range m.Sets {
			h, tr := set.Header, set.Trailer
			typeDesc := "DATABASE"
			if h.Type == TypeLog {
				typeDesc = "TRANSACTION LOG"
			}
			size := types.DecFromInt(tr.Bytes)
			row := []types.Value{builtins.TextOrNull(h.Name), builtins.TextOrNull(h.Description), int64(h.Type), nil, false,
				int64(h.Position), int64(2), h.UserName, h.ServerName, h.DatabaseName, int64(957),
				builtins.WallDateTime(h.DatabaseCreated), size, builtins.LSN(h.FirstLSN), builtins.LSN(h.LastLSN),
				builtins.LSN(h.CheckpointLSN), builtins.LSN(h.DatabaseBackupLSN), builtins.WallDateTime(h.Started),
				builtins.WallDateTime(tr.Finished), h.ServerName, builtins.UUIDOrNull(h.RecoveryForkGUID), "Latin1_General_BIN2",
				builtins.UUIDOrNull(h.FamilyGUID), h.Checksums, false, h.BeginsLogChain, h.ForceOffline, h.CopyOnly,
				string(h.RecoveryModel), typeDesc, builtins.UUIDOrNull(h.BackupSetGUID), size}
			if err := out.Row(row); err != nil {
				return 0, err
			}
		}
		return int64(len(m.Sets)), nil
	}}
}

// fileListOnly lists the logical files of the database in backup set
// file: its data file and its log.
func fileListOnly(path string, file int) *Statement {
	cols := columns("LogicalName", name128, "PhysicalName", types.NVarCharType(260),
		"Type", types.Type{Kind: types.Char, Length: 1}, "FileGroupName", name128,
		"Size", sizeType, "FileId", types.TypeBigInt)
	return &Statement{Verb: "RESTORE FILELISTONLY", Columns: cols, Run: func(_ context.Context, in Instance, out Output) (int64, error) {
		m, err := Open(in.Path(path))
		if err == nil {
			var set *Set
			if set, err = m.Set(file); err == nil {
				name := set.Header.DatabaseName
				size := types.DecFromInt(set.Trailer.Bytes)
				if err := out.Row([]types.Value{name, in.FileName(name), "D", "PRIMARY", size, int64(1)}); err != nil {
					return 0, err
				}
				return 2, out.Row([]types.Value{name + "_log", in.FileName(name) + "/log", "L", nil, types.DecFromInt(0), int64(2)})
			}
		}
		return 0, terminating("RESTORE FILELISTONLY", DeviceError(path, err))
	}}
}

// labelOnly shows the media header.
func labelOnly(path string) *Statement {
	cols := columns("MediaName", name128, "MediaSetId", types.TypeUUID,
		"FamilyCount", types.TypeInt, "FamilySequenceNumber", types.TypeInt, "MediaDate", types.TypeDateTime,
		"SoftwareName", name128)
	return &Statement{Verb: "RESTORE LABELONLY", Columns: cols, Run: func(_ context.Context, in Instance, out Output) (int64, error) {
		m, err := Open(in.Path(path))
		if err != nil {
			return 0, terminating("RESTORE LABELONLY", DeviceError(path, err))
		}
		return 1, out.Row([]types.Value{builtins.TextOrNull(m.Header.Name), builtins.UUIDOrNull(m.Header.MediaGUID),
			int64(1), int64(1), builtins.WallDateTime(m.Header.Created), in.Software()})
	}}
}
