package engine

import (
	"context"
	"strings"
)

// msdb is the system database SQL Server's scripts switch to before the
// database mirroring monitor procedures (USE msdb; EXEC
// sp_dbmmonitorresults ...). mirrordb keeps no agent jobs or history in
// it: it is an ordinary, empty database with SQL Server's id (4), made on
// an instance's first start, that cannot be dropped.
const (
	msdbName = "msdb"
	msdbID   = int32(4)
)

// ensureMsdb creates msdb when the instance has none (a new data
// directory, or one from before mirrordb had it).
func (in *Instance) ensureMsdb() error {
	in.mu.RLock()
	d := in.dbs[strings.ToLower(msdbName)]
	in.mu.RUnlock()
	if d != nil {
		return nil
	}
	ctx := context.Background()
	d, err := in.createDatabase(ctx, msdbName, msdbID)
	if err != nil {
		return err
	}
	// SIMPLE, as SQL Server installs it.
	return d.writeProperties(ctx, [2]string{propRecovery, string(RecoverySimple)})
}
