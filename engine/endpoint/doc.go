// Package endpoint is the DATABASE_MIRRORING endpoint as SQL Server
// defines it: its stored definition (port, listener address, role,
// authentication, encryption), the codes and descriptions the catalog
// views show, and what CREATE, ALTER and DROP ENDPOINT make of it,
// SQL Server's errors included.
//
// The engine stores the definition in master and hands it to the
// mirroring layer, which binds the port; this package knows neither, so
// the statements' rules can be read and tested on their own. See
// docs/ARCHITECTURE.md.
package endpoint
