// Package backup is mirrordb's backup media format: a file (a "media set"
// of one family, in SQL Server's words) holding numbered backup sets.
//
// The file is a sequence of blocks, each framed and checksummed (package
// internal/frame) so that any corruption or truncation is detected before
// anything is restored. The first block is the media
// header; then each backup set is a set header block, data blocks and a
// trailer block. A set without its trailer (a backup that died half-way)
// is incomplete: it is not listed, cannot be restored, and the next
// appended set replaces it. Headers and trailers carry JSON; data blocks
// carry either files (a full backup is the database's store as of one LSN)
// or log records (a log backup).
//
// It also holds the BACKUP and RESTORE statements (statements.go,
// mediainfo.go: Bind checks one and returns what it runs) and their jobs
// with the log-chain rules (fulljobs.go, logjobs.go, restore.go). What
// needs the store or the instance is the engine's, behind the Database,
// Restorer and Instance interfaces.
package backup

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"mirrordb/internal/frame"
)

// Block kinds.
const (
	kindMedia   = 'M' // media header (JSON MediaHeader)
	kindSet     = 'S' // backup set header (JSON SetHeader)
	kindFile    = 'F' // start of a file (JSON fileHeader); its content follows in kindData blocks
	kindData    = 'D' // file content chunk
	kindRecords = 'R' // log records: repeated uvarint length + encoded record
	kindTrailer = 'E' // end of a backup set (JSON SetTrailer)
)

// FormatVersion is the media format version written in every media header.
const FormatVersion = 1

const (
	magic        = "MIRRORDB-BACKUP"
	maxBlockSize = 16 << 20 // refuse to allocate more for one block
	// ChunkSize is the size of the data blocks a backup writes.
	ChunkSize = 1 << 20
)

// Errors. ErrMalformed is a damaged, truncated or foreign file structure
// (SQL Server's 3241); ErrChecksum a data block whose checksum does not
// match (3183); ErrNoSuchSet a FILE = n beyond the sets on the media.
var (
	ErrMalformed = errors.New("backup media is malformed")
	ErrChecksum  = errors.New("backup block checksum mismatch")
	ErrNoSuchSet = errors.New("no such backup set on the media")
	errTruncated = fmt.Errorf("%w: truncated", ErrMalformed)
)

// MediaHeader opens a media file.
type MediaHeader struct {
	Magic     string    `json:"magic"`
	Version   int       `json:"version"`
	MediaGUID string    `json:"media_guid"`
	Name      string    `json:"name,omitempty"`
	Created   time.Time `json:"created"`
}

// Set types, as RESTORE HEADERONLY's BackupType reports them.
const (
	TypeDatabase = 1
	TypeLog      = 2
)

// RecoveryModel is a database's recovery model
// (sys.databases.recovery_model_desc): SIMPLE keeps no log for log
// backups, FULL and BULK_LOGGED keep a log chain.
type RecoveryModel string

const (
	RecoveryFull       RecoveryModel = "FULL"
	RecoveryBulkLogged RecoveryModel = "BULK_LOGGED"
	RecoverySimple     RecoveryModel = "SIMPLE"
)

// SetHeader describes a backup set (most RESTORE HEADERONLY columns).
type SetHeader struct {
	Position          int           `json:"position"`
	Type              int           `json:"type"`
	Name              string        `json:"name,omitempty"`
	Description       string        `json:"description,omitempty"`
	UserName          string        `json:"user_name"`
	ServerName        string        `json:"server_name"`
	DatabaseName      string        `json:"database_name"`
	DatabaseCreated   time.Time     `json:"database_created"`
	FamilyGUID        string        `json:"family_guid"`
	RecoveryForkGUID  string        `json:"recovery_fork_guid"`
	BackupSetGUID     string        `json:"backup_set_guid"`
	RecoveryModel     RecoveryModel `json:"recovery_model"`
	FirstLSN          uint64        `json:"first_lsn"`
	LastLSN           uint64        `json:"last_lsn"` // the LSN after the last record covered
	CheckpointLSN     uint64        `json:"checkpoint_lsn"`
	DatabaseBackupLSN uint64        `json:"database_backup_lsn"`
	Started           time.Time     `json:"started"`
	CopyOnly          bool          `json:"copy_only"`
	Checksums         bool          `json:"checksums"`
	BeginsLogChain    bool          `json:"begins_log_chain"`
	ForceOffline      bool          `json:"force_offline"` // BACKUP LOG ... WITH NORECOVERY
}

// SetTrailer completes a backup set.
type SetTrailer struct {
	Finished time.Time `json:"finished"`
	Bytes    int64     `json:"bytes"`  // payload bytes of the set's data
	Blocks   int64     `json:"blocks"` // data blocks in the set
	Files    int       `json:"files"`
	Records  int64     `json:"records"`
}

// Set is a complete backup set as listed from a media file.
type Set struct {
	Header  SetHeader
	Trailer SetTrailer
	offset  int64 // of the set header block
}

type fileHeader struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
}

// blockWriter frames blocks onto the media (see internal/frame).
type blockWriter struct{ *frame.Writer }

func (b blockWriter) writeJSON(kind byte, v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Write(kind, p)
}

// blockReader reads and verifies blocks, mapping framing errors to the
// media errors: a damaged data block is ErrChecksum (3183), anything else
// ErrMalformed (3241).
type blockReader struct{ fr *frame.Reader }

func newBlockReader(r io.Reader, off int64) *blockReader {
	return &blockReader{fr: frame.NewReader(bufio.NewReaderSize(r, 1<<20), maxBlockSize, off)}
}

func (b *blockReader) offset() int64 { return b.fr.Offset() }

// next returns the next block; io.EOF at a clean end of file. The payload
// is valid until the next call.
func (b *blockReader) next() (kind byte, payload []byte, err error) {
	kind, payload, err = b.fr.Next()
	switch {
	case err == nil || err == io.EOF:
		return kind, payload, err
	case errors.Is(err, frame.ErrTruncated):
		return 0, nil, fmt.Errorf("%w: %v", errTruncated, err)
	case errors.Is(err, frame.ErrChecksum) && (kind == kindData || kind == kindRecords):
		return 0, nil, fmt.Errorf("%w: %v", ErrChecksum, err)
	}
	return 0, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
}

// Media is a media file's header and its complete backup sets.
type Media struct {
	Header MediaHeader
	Sets   []Set
	// Incomplete is set when the file ends inside a backup set (a backup
	// that did not finish, or a truncated file); it holds that set's header.
	Incomplete *SetHeader
	end        int64 // offset after the last complete set
}

// Open reads the media header and lists the backup sets of a media file.
// It reads only headers and trailers, checking every block's checksum.
func Open(path string) (*Media, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := newBlockReader(f, 0)
	m := &Media{}
	kind, p, err := br.next()
	if err != nil || kind != kindMedia || json.Unmarshal(p, &m.Header) != nil || m.Header.Magic != magic {
		return nil, fmt.Errorf("%w: not a mirrordb backup file", ErrMalformed)
	}
	if m.Header.Version != FormatVersion {
		return nil, fmt.Errorf("%w: media format version %d (this build reads %d)", ErrMalformed, m.Header.Version, FormatVersion)
	}
	m.end = br.offset()
	var cur *Set
	for {
		start := br.offset()
		kind, p, err := br.next()
		switch {
		case err == io.EOF && cur == nil:
			return m, nil
		case err == io.EOF || errors.Is(err, errTruncated):
			if cur == nil {
				return nil, err
			}
			m.Incomplete = &cur.Header
			return m, nil
		case errors.Is(err, ErrChecksum):
			continue // Open lists sets; VerifySet and restores report damaged data
		case err != nil:
			return nil, err
		}
		switch kind {
		case kindSet:
			if cur != nil {
				return nil, fmt.Errorf("%w: set at offset %d never ended", ErrMalformed, cur.offset)
			}
			cur = &Set{offset: start}
			if err := json.Unmarshal(p, &cur.Header); err != nil {
				return nil, fmt.Errorf("%w: set header: %v", ErrMalformed, err)
			}
		case kindTrailer:
			if cur == nil {
				return nil, fmt.Errorf("%w: trailer without a set", ErrMalformed)
			}
			if err := json.Unmarshal(p, &cur.Trailer); err != nil {
				return nil, fmt.Errorf("%w: set trailer: %v", ErrMalformed, err)
			}
			m.Sets = append(m.Sets, *cur)
			cur = nil
			m.end = br.offset()
		case kindFile, kindData, kindRecords:
			if cur == nil {
				return nil, fmt.Errorf("%w: data outside a backup set", ErrMalformed)
			}
		default:
			return nil, fmt.Errorf("%w: unknown block kind %q", ErrMalformed, kind)
		}
	}
}

// Set returns backup set number position (1-based).
func (m *Media) Set(position int) (*Set, error) {
	for i := range m.Sets {
		if m.Sets[i].Header.Position == position {
			return &m.Sets[i], nil
		}
	}
	if m.Incomplete != nil && m.Incomplete.Position == position {
		return nil, fmt.Errorf("%w: backup set %d is incomplete", errTruncated, position)
	}
	return nil, &NoSuchSetError{Position: position}
}

// NoSuchSetError is a FILE = n beyond the sets on the media.
type NoSuchSetError struct{ Position int }

func (e *NoSuchSetError) Error() string {
	return fmt.Sprintf("no backup set %d on the media", e.Position)
}

// Is makes errors.Is(err, ErrNoSuchSet) hold.
func (e *NoSuchSetError) Is(target error) bool { return target == ErrNoSuchSet }
