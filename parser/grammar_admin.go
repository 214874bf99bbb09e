package parser

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar of the administrative statements (ast_admin.go): backup and
// restore, mirroring endpoints, logins, users, certificates and
// permissions. Same conventions as grammar.go. These productions come last
// in the statement union, so the common statements never try them.
//
// The parser refuses what the tree cannot hold (a second ROLE in an
// endpoint, a second PASSWORD in ALTER LOGIN, WITH GRANT OPTION on a
// DENY); checking values is the engine's job.

// adminMembers lists the administrative statement productions.
func adminMembers() []stmtNode {
	return []stmtNode{
		&backupStmt{}, &backupCertificateStmt{}, &restoreStmt{},
		&createEndpointStmt{}, &alterEndpointStmt{}, &dropObjectStmt{},
		&createLoginStmt{}, &alterLoginStmt{}, &createUserStmt{},
		&createMasterKeyStmt{}, &createCertificateStmt{}, &grantStmt{},
	}
}

// ---------------------------------------------------------------------------
// BACKUP and RESTORE

type backupStmt struct {
	Pos      lexer.Position
	Log      bool         `parser:"'BACKUP' ( 'DATABASE' | @'LOG' )"`
	Database string       `parser:"@( Ident | QuotedIdent )"`
	Devices  []*device    `parser:"'TO' @@ ( ',' @@ )*"`
	Options  []*backupOpt `parser:"( 'WITH' @@ ( ',' @@ )* )?"`
}

type restoreStmt struct {
	Pos         lexer.Position
	Kind        string       `parser:"'RESTORE' (  @( 'DATABASE' | 'LOG' )"`
	Database    string       `parser:"             @( Ident | QuotedIdent )"`
	Devices     []*device    `parser:"             ( 'FROM' @@ ( ',' @@ )* )?"`
	Only        string       `parser:"          | @( 'HEADERONLY' | 'FILELISTONLY' | 'VERIFYONLY' | 'LABELONLY' )"`
	OnlyDevices []*device    `parser:"             'FROM' @@ ( ',' @@ )* )"`
	Options     []*backupOpt `parser:"( 'WITH' @@ ( ',' @@ )* )?"`
}

// device is DISK = 'path' (or URL, TAPE; DATABASE_SNAPSHOT in RESTORE).
type device struct {
	Pos  lexer.Position
	Kind string `parser:"@( 'DISK' | 'URL' | 'TAPE' | 'DATABASE_SNAPSHOT' )"`
	Path string `parser:"'=' @( String | NString )"`
}

// backupOpt is one WITH option of BACKUP or RESTORE.
type backupOpt struct {
	Pos   lexer.Position
	Move  literalValue `parser:"(  'MOVE' @@"`
	To    literalValue `parser:"   'TO' @@"`
	Name  string       `parser:" | (?! 'MOVE' ) @( Ident | 'FILE' )"`
	Value literalValue `parser:"   ( '=' @@ )? )"`
}

// ---------------------------------------------------------------------------
// Endpoints

type createEndpointStmt struct {
	Pos  lexer.Position
	Name string       `parser:"'CREATE' 'ENDPOINT' @( Ident | QuotedIdent )"`
	Body endpointBody `parser:"@@"`
}

type alterEndpointStmt struct {
	Pos  lexer.Position
	Name string       `parser:"'ALTER' 'ENDPOINT' @( Ident | QuotedIdent )"`
	Body endpointBody `parser:"@@"`
}

// endpointBody is the clauses of CREATE and ALTER ENDPOINT, all optional.
type endpointBody struct {
	Authorization string             `parser:"( 'AUTHORIZATION' @( Ident | QuotedIdent ) )?"`
	State         string             `parser:"( 'STATE' '=' @( 'STARTED' | 'STOPPED' | 'DISABLED' ) )?"`
	Transport     *endpointTransport `parser:"@@?"`
	Payload       *endpointPayload   `parser:"@@?"`
}

// endpointTransport is AS protocol ( options ); commas between options
// are optional, as in SQL Server's grammar.
type endpointTransport struct {
	Pos      lexer.Position
	Protocol string          `parser:"'AS' @Ident"`
	Options  []*transportOpt `parser:"'(' ( @@ ( ','? @@ )* )? ')'"`
}

type transportOpt struct {
	Pos   lexer.Position
	Port  *lexer.Token `parser:"(  'LISTENER_PORT' '=' @Number"`
	IP    *listenerIP  `parser:" | 'LISTENER_IP' '=' @@"`
	Other *otherOpt    `parser:" | @@ )"`
}

// endpointPayload is FOR payload ( options ).
type endpointPayload struct {
	Pos     lexer.Position
	Type    string        `parser:"'FOR' @Ident"`
	Options []*payloadOpt `parser:"'(' ( @@ ( ','? @@ )* )? ')'"`
}

type payloadOpt struct {
	Pos   lexer.Position
	Auth  *endpointAuth `parser:"(  'AUTHENTICATION' '=' @@"`
	Enc   *endpointEnc  `parser:" | 'ENCRYPTION' '=' @@"`
	Role  string        `parser:" | 'ROLE' '=' @( 'WITNESS' | 'PARTNER' | 'ALL' )"`
	Other *otherOpt     `parser:" | @@ )"`
}

// endpointAuth is the value of AUTHENTICATION, WINDOWS first or
// CERTIFICATE first.
type endpointAuth struct {
	Pos       lexer.Position
	Windows   bool   `parser:"(  @'WINDOWS'"`
	Kind      string `parser:"   @( 'NTLM' | 'KERBEROS' | 'NEGOTIATE' )?"`
	Cert      string `parser:"   ( 'CERTIFICATE' @( Ident | QuotedIdent ) )?"`
	CertFirst string `parser:" | 'CERTIFICATE' @( Ident | QuotedIdent )"`
	Windows2  bool   `parser:"   ( @'WINDOWS'"`
	Kind2     string `parser:"     @( 'NTLM' | 'KERBEROS' | 'NEGOTIATE' )? )? )"`
}

// endpointEnc is the value of ENCRYPTION.
type endpointEnc struct {
	Pos      lexer.Position
	Disabled bool     `parser:"(  @'DISABLED'"`
	Mode     string   `parser:" | @( 'SUPPORTED' | 'REQUIRED' )"`
	AESFirst []string `parser:"   ( 'ALGORITHM' ( @'AES' @'RC4'?"`
	RC4First []string `parser:"                 | @'RC4' @'AES'? ) )? )"`
}

// otherOpt is an endpoint option the grammar does not know (name = value),
// kept for the engine to refuse. A known option with a bad value is a
// syntax error, not an unknown option.
type otherOpt struct {
	Pos   lexer.Position
	Name  string      `parser:"(?! 'LISTENER_PORT' | 'LISTENER_IP' | 'AUTHENTICATION' | 'ENCRYPTION' | 'ROLE' ) @Ident '='"`
	Value optionValue `parser:"@@"`
}

// ---------------------------------------------------------------------------
// DROP ENDPOINT | LOGIN | USER | CERTIFICATE

type dropObjectStmt struct {
	Pos  lexer.Position
	Kind string `parser:"'DROP' @( 'ENDPOINT' | 'LOGIN' | 'USER' | 'CERTIFICATE' )"`
	Name string `parser:"@( Ident | QuotedIdent )"`
}

// ---------------------------------------------------------------------------
// Logins and users

type createLoginStmt struct {
	Pos         lexer.Position
	Name        string       `parser:"'CREATE' 'LOGIN' @( Ident | QuotedIdent )"`
	HasPassword bool         `parser:"(  'WITH' @'PASSWORD'"`
	Password    string       `parser:"   '=' @( String | NString )"`
	MustChange  *lexer.Token `parser:"   @'MUST_CHANGE'?"`
	Options     []*loginOpt  `parser:"   ( ',' @@ )*"`
	Windows     bool         `parser:" | 'FROM' (  @'WINDOWS'"`
	WinOptions  []*loginOpt  `parser:"             ( 'WITH' @@ ( ',' @@ )* )?"`
	Certificate string       `parser:"          | 'CERTIFICATE' @( Ident | QuotedIdent ) ) )"`
}

// loginOpt is a login option other than the password: CHECK_POLICY = OFF,
// DEFAULT_DATABASE = db, ...
type loginOpt struct {
	Pos   lexer.Position
	Name  string      `parser:"(?! 'PASSWORD' | 'OLD_PASSWORD' | 'MUST_CHANGE' | 'UNLOCK' ) @Ident '='"`
	Value optionValue `parser:"@@"`
}

type alterLoginStmt struct {
	Pos     lexer.Position
	Name    string            `parser:"'ALTER' 'LOGIN' @( Ident | QuotedIdent )"`
	Enable  bool              `parser:"(  @'ENABLE'"`
	Disable bool              `parser:" | @'DISABLE'"`
	Items   []*alterLoginItem `parser:" | 'WITH' @@ ( ',' @@ )* )"`
}

// alterLoginItem is PASSWORD = 'p' [OLD_PASSWORD = 'o' | MUST_CHANGE |
// UNLOCK ...] or another option.
type alterLoginItem struct {
	Pos         lexer.Position
	HasPassword bool            `parser:"(  @'PASSWORD'"`
	Password    string          `parser:"   '=' @( String | NString )"`
	Attrs       []*passwordAttr `parser:"   @@*"`
	Option      *loginOpt       `parser:" | @@ )"`
}

type passwordAttr struct {
	Pos  lexer.Position
	Old  *lexer.Token `parser:"(  'OLD_PASSWORD' '=' @( String | NString )"`
	Flag string       `parser:" | @( 'MUST_CHANGE' | 'UNLOCK' ) )"`
}

type createUserStmt struct {
	Pos     lexer.Position
	Name    string `parser:"'CREATE' 'USER' @( Ident | QuotedIdent )"`
	Login   string `parser:"(  ( 'FOR' | 'FROM' ) 'LOGIN' @( Ident | QuotedIdent )"`
	Without bool   `parser:" | @'WITHOUT' 'LOGIN' )?"`
}

// ---------------------------------------------------------------------------
// Keys and certificates

type createMasterKeyStmt struct {
	Pos      lexer.Position
	Password string `parser:"'CREATE' 'MASTER' 'KEY' 'ENCRYPTION' 'BY' 'PASSWORD' '=' @( String | NString )"`
}

type createCertificateStmt struct {
	Pos           lexer.Position
	Name          string         `parser:"'CREATE' 'CERTIFICATE' @( Ident | QuotedIdent )"`
	Authorization string         `parser:"( 'AUTHORIZATION' @( Ident | QuotedIdent ) )?"`
	Subject       *lexer.Token   `parser:"(  'WITH' 'SUBJECT' '=' @( String | NString )"`
	Dates         []*certDate    `parser:"   ( ',' @@ )*"`
	File          *lexer.Token   `parser:" | 'FROM' 'FILE' '=' @( String | NString )"`
	PrivateKey    *privateKeyDec `parser:"   ( 'WITH' 'PRIVATE' 'KEY' @@ )? )"`
}

type certDate struct {
	Pos   lexer.Position
	Kind  string      `parser:"@( 'EXPIRY_DATE' | 'START_DATE' ) '='"`
	Value lexer.Token `parser:"@( String | NString )"`
}

// privateKeyDec is the PRIVATE KEY clause of CREATE CERTIFICATE.
type privateKeyDec struct {
	Pos      lexer.Position
	File     string `parser:"'(' 'FILE' '=' @( String | NString )"`
	Password string `parser:"( ',' 'DECRYPTION' 'BY' 'PASSWORD' '=' @( String | NString ) )? ')'"`
}

type backupCertificateStmt struct {
	Pos        lexer.Position
	Name       string         `parser:"'BACKUP' 'CERTIFICATE' @( Ident | QuotedIdent )"`
	File       string         `parser:"'TO' 'FILE' '=' @( String | NString )"`
	PrivateKey *privateKeyEnc `parser:"( 'WITH' 'PRIVATE' 'KEY' @@ )?"`
}

// privateKeyEnc is the PRIVATE KEY clause of BACKUP CERTIFICATE.
type privateKeyEnc struct {
	Pos      lexer.Position
	File     string `parser:"'(' 'FILE' '=' @( String | NString )"`
	Password string `parser:"( ',' 'ENCRYPTION' 'BY' 'PASSWORD' '=' @( String | NString ) )? ')'"`
}

// ---------------------------------------------------------------------------
// GRANT, REVOKE, DENY

type grantStmt struct {
	Pos         lexer.Position
	Verb        string        `parser:"@( 'GRANT' | 'REVOKE' | 'DENY' )"`
	OptionFor   *lexer.Token  `parser:"( @'GRANT' 'OPTION' 'FOR' )?"`
	Permissions []*permission `parser:"@@ ( ',' @@ )*"`
	Class       []string      `parser:"'ON' @( Ident | Keyword ) ( (?! 'TO' | 'FROM' ) @( Ident | Keyword ) )* '::'"`
	Object      string        `parser:"@( Ident | QuotedIdent )"`
	To          lexer.Token   `parser:"@( 'TO' | 'FROM' )"`
	Principals  []string      `parser:"@( Ident | QuotedIdent | 'PUBLIC' ) ( ',' @( Ident | QuotedIdent | 'PUBLIC' ) )*"`
	With        *lexer.Token  `parser:"( @'WITH' 'GRANT' 'OPTION' )?"`
	Cascade     *lexer.Token  `parser:"@'CASCADE'?"`
	As          string        `parser:"( 'AS' @( Ident | QuotedIdent ) )?"`
}

// permission is one permission: one or more words (CONNECT, VIEW
// DEFINITION, TAKE OWNERSHIP).
type permission struct {
	Words []string `parser:"( (?! 'ON' | 'TO' | 'FROM' ) @( Ident | Keyword ) )+"`
}
