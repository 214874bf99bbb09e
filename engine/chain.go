package engine

import (
	"encoding/json"
	"sync"

	"github.com/cockroachdb/pebble"

	"mirrordb/engine/backup"
	"mirrordb/engine/keys"
	"mirrordb/engine/storage"
	"mirrordb/engine/txlog"
)

// logChain is a database's position in its log-backup chain, package
// backup's; it is kept under m/backup_chain.
type logChain = backup.Chain

const metaChain = "backup_chain"

type chainState struct {
	mu sync.Mutex
	c  logChain
}

func (d *Database) loadChainFrom(kv pebble.Reader) error {
	v, ok, err := storage.ReadValue(kv, keys.MetaKey(metaChain))
	if err != nil || !ok {
		return err
	}
	d.chain.mu.Lock()
	defer d.chain.mu.Unlock()
	return json.Unmarshal(v, &d.chain.c)
}

// Chain returns the database's log-backup chain position.
func (d *Database) Chain() logChain {
	d.chain.mu.Lock()
	defer d.chain.mu.Unlock()
	return d.chain.c
}

// setChain updates and persists the chain position.
func (d *Database) setChain(update func(c *logChain)) error {
	d.chain.mu.Lock()
	update(&d.chain.c)
	b, _ := json.Marshal(d.chain.c)
	d.chain.mu.Unlock()
	return d.storage.Set(keys.MetaKey(metaChain), b)
}

// registerLogBackupHold keeps log that the next log backup needs: in FULL
// recovery with a chain, nothing from NextLogLSN on may be truncated
// (log_reuse_wait_desc LOG_BACKUP).
func (d *Database) registerLogBackupHold() {
	d.SetLogHold("LOG_BACKUP", func() (txlog.LSN, string) {
		c := d.Chain()
		if c.NextLogLSN == 0 || d.RecoveryModel() == RecoverySimple {
			return 0, ""
		}
		return c.NextLogLSN, "LOG_BACKUP"
	})
}
