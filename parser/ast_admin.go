package parser

// Administrative statements: backup and restore, mirroring endpoints and
// sessions, logins, certificates and permissions. (Contract for the
// engine; same conventions as ast.go: keywords upper-cased, names as
// written, string literal values unquoted.)

// Device is a backup device: DISK = 'path' (also URL = '...', TAPE = '...',
// which the engine refuses). RESTORE DATABASE db FROM DATABASE_SNAPSHOT =
// 'snap' (revert to a snapshot) arrives as a device of kind
// DATABASE_SNAPSHOT.
type Device struct {
	Pos
	Kind string // DISK, URL, TAPE, DATABASE_SNAPSHOT
	Path string
}

// BackupOption is one WITH option of BACKUP or RESTORE:
//
//	FORMAT, INIT, NOINIT, COPY_ONLY, CHECKSUM, NO_CHECKSUM, NORECOVERY,
//	RECOVERY, NO_TRUNCATE, REPLACE, SKIP, NOSKIP, NOFORMAT, COMPRESSION,
//	CONTINUE_AFTER_ERROR, STOP_ON_ERROR, DIFFERENTIAL, RESTRICTED_USER ...
//	                               → Name only, Value nil
//	STATS [= 5], FILE = 2, NAME = 'x', DESCRIPTION = N'x',
//	MEDIANAME = 'x', STOPAT = '2026-11-22 10:00', STANDBY = 'f'
//	                               → Name and Value (a literal expression)
//	MOVE 'logical' TO 'path'       → Name MOVE, Value and To
//
// Any identifier is accepted as an option name; the engine validates.
//
// Login options and unknown endpoint options use the same type. There a
// value may also be a binary constant (SID = 0x...), a name (DEFAULT_DATABASE
// = master, MESSAGE_FORWARDING = ENABLED) or ON, OFF, ALL: a name or one of
// these keywords arrives as a one-part *ColumnRef (the keyword upper-cased;
// it prints bare).
type BackupOption struct {
	Pos
	Name  string // upper-cased
	Value Expr   // nil when the option has no value
	To    Expr   // MOVE ... TO only
}

// Backup is BACKUP { DATABASE | LOG } name TO device [, ...] [WITH option [, ...]].
type Backup struct {
	Pos
	Log      bool
	Database string
	Devices  []*Device
	Options  []*BackupOption
}

// Restore is one of
//
//	RESTORE { DATABASE | LOG } name [FROM device [, ...]] [WITH option [, ...]]
//	RESTORE { HEADERONLY | FILELISTONLY | VERIFYONLY | LABELONLY } FROM device [, ...] [WITH option [, ...]]
type Restore struct {
	Pos
	Kind     string // DATABASE, LOG, HEADERONLY, FILELISTONLY, VERIFYONLY, LABELONLY
	Database string // DATABASE and LOG only
	Devices  []*Device
	Options  []*BackupOption
}

// ---------------------------------------------------------------------------
// Endpoints

// CreateEndpoint is
//
//	CREATE ENDPOINT name [AUTHORIZATION login] [STATE = {STARTED | STOPPED | DISABLED}]
//	  AS TCP ( LISTENER_PORT = n [ , LISTENER_IP = ALL | ( 1.2.3.4 ) | ( 'ipv6' ) ] )
//	  FOR DATABASE_MIRRORING ( [AUTHENTICATION = ...] [ , ] [ENCRYPTION = ...] [ , ] ROLE = ... )
//
// Clauses may be omitted (nil); the engine reports what is missing.
type CreateEndpoint struct {
	Pos
	Name          string
	Authorization string
	State         string // "" when absent
	Transport     *EndpointTransport
	Payload       *EndpointPayload
}

// AlterEndpoint is ALTER ENDPOINT name [STATE = ...] [AS TCP (...)] [FOR DATABASE_MIRRORING (...)]
// (AUTHORIZATION is not allowed here; the parser accepts it so the engine
// can report it).
type AlterEndpoint struct {
	Pos
	Name          string
	Authorization string
	State         string
	Transport     *EndpointTransport
	Payload       *EndpointPayload
}

// DropEndpoint is DROP ENDPOINT name.
type DropEndpoint struct {
	Pos
	Name string
}

// EndpointTransport is AS <protocol> ( options ). Protocol is upper-cased as
// written (TCP, HTTP, ...).
type EndpointTransport struct {
	Pos
	Protocol string
	// ListenerPort is nil when LISTENER_PORT was not given.
	ListenerPort *int
	// ListenerIP is "" when absent, "ALL", or the address inside the
	// parentheses (1.2.3.4 written bare, or an IPv6 address in quotes).
	// The parser checks only the shape: four dot-separated digit groups
	// written without spaces, or a quoted string holding a colon.
	ListenerIP string
	// Other holds any other option (name = value) for the engine to refuse.
	Other []*BackupOption
}

// EndpointPayload is FOR <payload> ( options ). Type is upper-cased as
// written (DATABASE_MIRRORING, SERVICE_BROKER, TSQL, ...).
type EndpointPayload struct {
	Pos
	Type           string
	Authentication *EndpointAuth       // nil when absent
	Encryption     *EndpointEncryption // nil when absent
	Role           string              // WITNESS, PARTNER, ALL; "" when absent
	// Other holds any other option (e.g. MESSAGE_FORWARDING = ENABLED) for
	// the engine to refuse (7871).
	Other []*BackupOption
}

// EndpointAuth is AUTHENTICATION = WINDOWS [NTLM | KERBEROS | NEGOTIATE]
// [CERTIFICATE name] | CERTIFICATE name [WINDOWS [...]].
type EndpointAuth struct {
	Pos
	Windows     bool
	WindowsKind string // NTLM, KERBEROS, NEGOTIATE; "" when WINDOWS was bare
	Certificate string // "" when no certificate
	// CertificateFirst is set when CERTIFICATE came before WINDOWS.
	CertificateFirst bool
}

// EndpointEncryption is ENCRYPTION = DISABLED | { SUPPORTED | REQUIRED }
// [ALGORITHM { AES | RC4 | AES RC4 | RC4 AES }].
type EndpointEncryption struct {
	Pos
	Mode       string   // DISABLED, SUPPORTED, REQUIRED
	Algorithms []string // as written, in order; empty when ALGORITHM is absent
}

// ---------------------------------------------------------------------------
// ALTER DATABASE mirroring options (DatabaseOption implementations)

// SetPartner is ALTER DATABASE ... SET PARTNER { = 'address' | FAILOVER |
// FORCE_SERVICE_ALLOW_DATA_LOSS | OFF | RESUME | SUSPEND | SAFETY { FULL | OFF }
// | TIMEOUT n }.
type SetPartner struct {
	Pos
	// Address is set for PARTNER = 'TCP://host:port' (Action "").
	Address string
	// Action is FAILOVER, FORCE_SERVICE_ALLOW_DATA_LOSS, OFF, RESUME,
	// SUSPEND, SAFETY or TIMEOUT.
	Action string
	Safety string // FULL or OFF, for SAFETY
	// Timeout is the literal text of TIMEOUT's integer (may be large).
	Timeout string
}

// SetWitness is ALTER DATABASE ... SET WITNESS { = 'address' | OFF }.
type SetWitness struct {
	Pos
	Address string
	Off     bool
}

// SetDatabaseState is ALTER DATABASE ... SET { ONLINE | OFFLINE | EMERGENCY
// | READ_ONLY | READ_WRITE | SINGLE_USER | RESTRICTED_USER | MULTI_USER }
// [WITH ROLLBACK IMMEDIATE | NO_WAIT].
type SetDatabaseState struct {
	Pos
	State string
	// Termination is the WITH clause: "" when absent, NO_WAIT,
	// ROLLBACK IMMEDIATE, or ROLLBACK AFTER n (n as written, in seconds).
	Termination string
}

// ---------------------------------------------------------------------------
// Security

// CreateLogin is CREATE LOGIN name { WITH PASSWORD = 'p' [, option = value ...] | FROM WINDOWS | FROM CERTIFICATE c }.
//
// MUST_CHANGE after the password is an option without a value, listed first.
type CreateLogin struct {
	Pos
	Name        string
	Password    string // "" when FROM ...
	HasPassword bool
	FromWindows bool
	Certificate string
	Options     []*BackupOption // CHECK_POLICY = OFF, DEFAULT_DATABASE = x, ...
}

// AlterLogin is ALTER LOGIN name { ENABLE | DISABLE | WITH PASSWORD = 'p' [OLD_PASSWORD = 'o'] [, option ...] }.
//
// What follows the password without a comma (OLD_PASSWORD = 'o',
// MUST_CHANGE, UNLOCK) is in Options, listed first; PASSWORD may come
// anywhere in the list, at most once. WITH without PASSWORD is allowed
// (WITH CHECK_POLICY = OFF).
type AlterLogin struct {
	Pos
	Name        string
	Enable      bool
	Disable     bool
	Password    string
	HasPassword bool
	Options     []*BackupOption
}

// DropLogin is DROP LOGIN name.
type DropLogin struct {
	Pos
	Name string
}

// CreateUser is CREATE USER name [{ FOR | FROM } LOGIN login | WITHOUT LOGIN].
type CreateUser struct {
	Pos
	Name         string
	Login        string
	WithoutLogin bool
}

// DropUser is DROP USER name.
type DropUser struct {
	Pos
	Name string
}

// CreateMasterKey is CREATE MASTER KEY ENCRYPTION BY PASSWORD = 'p'.
type CreateMasterKey struct {
	Pos
	Password string
}

// CreateCertificate is
//
//	CREATE CERTIFICATE name [AUTHORIZATION user]
//	  { WITH SUBJECT = 's' [, EXPIRY_DATE = 'd'] [, START_DATE = 'd']
//	  | FROM FILE = 'path' [WITH PRIVATE KEY (FILE = 'p', DECRYPTION BY PASSWORD = 'x')] }
type CreateCertificate struct {
	Pos
	Name          string
	Authorization string
	Subject       string
	ExpiryDate    string
	StartDate     string
	FromFile      string
	PrivateKey    *PrivateKeySpec
}

// BackupCertificate is BACKUP CERTIFICATE name TO FILE = 'path'
// [WITH PRIVATE KEY (FILE = 'p', ENCRYPTION BY PASSWORD = 'x')].
type BackupCertificate struct {
	Pos
	Name       string
	File       string
	PrivateKey *PrivateKeySpec
}

// PrivateKeySpec is PRIVATE KEY ( FILE = 'p' [, ENCRYPTION | DECRYPTION BY PASSWORD = 'x'] ).
type PrivateKeySpec struct {
	Pos
	File     string
	Password string
}

// DropCertificate is DROP CERTIFICATE name.
type DropCertificate struct {
	Pos
	Name string
}

// Grant is { GRANT | REVOKE | DENY } permission [, ...] ON class::name
// { TO | FROM } principal [, ...] [WITH GRANT OPTION] [CASCADE] [AS grantor].
// Permissions are upper-cased (CONNECT, ALTER, CONTROL, TAKE OWNERSHIP,
// VIEW DEFINITION); Class is upper-cased (ENDPOINT, LOGIN, DATABASE ...).
type Grant struct {
	Pos
	Verb        string // GRANT, REVOKE, DENY
	Permissions []string
	Class       string
	Object      string
	Principals  []string
	// GrantOption is WITH GRANT OPTION for GRANT, and GRANT OPTION FOR
	// (revoke only the right to grant) for REVOKE.
	GrantOption bool
	// Cascade is CASCADE (REVOKE and DENY only).
	Cascade bool
	As      string
}

func (*Backup) statementNode()            {}
func (*Restore) statementNode()           {}
func (*CreateEndpoint) statementNode()    {}
func (*AlterEndpoint) statementNode()     {}
func (*DropEndpoint) statementNode()      {}
func (*CreateLogin) statementNode()       {}
func (*AlterLogin) statementNode()        {}
func (*DropLogin) statementNode()         {}
func (*CreateUser) statementNode()        {}
func (*DropUser) statementNode()          {}
func (*CreateMasterKey) statementNode()   {}
func (*CreateCertificate) statementNode() {}
func (*BackupCertificate) statementNode() {}
func (*DropCertificate) statementNode()   {}
func (*Grant) statementNode()             {}

func (*SetPartner) databaseOptionNode()       {}
func (*SetWitness) databaseOptionNode()       {}
func (*SetDatabaseState) databaseOptionNode() {}
