package sqlcmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Config says where a Session connects, how it prints and how it treats
// errors. The command line fills it (parseArgs); the demo builds one.
type Config struct {
	// Server is where to connect first: host[,port], tcp:host[,port] or an
	// alias. Empty: no connection until a script's :CONNECT.
	Server   string
	Database string // -d; master when empty
	User     string // -U; the operating system user when empty (-E)
	Password string // -P, a password file or SQLCMDPASSWORD
	// Encrypt (-N) requires TLS and, unless TrustServerCertificate (-C),
	// a certificate the system trusts for the host name; without -N TLS
	// is used when the server offers it.
	Encrypt, TrustServerCertificate bool

	ExitOnError      bool // -b
	ErrorSeverity    int  // -V: the least severity that counts as an error (default 11); >0 makes it the exit code
	TrimSpaces       bool // -W
	EchoInput        bool // -e
	ErrorsToStderr   int  // -r: -1 off, 0 errors of severity >= 11, 1 every message
	DisableVariables bool // -x: $(name) is left as it is
	DisableCommands  bool // -X: !! is refused
	// Vars are the -v variables and those the options set (SQLCMDHEADERS
	// for -h, SQLCMDCOLSEP for -s, SQLCMDSTATTIMEOUT for -t, ...).
	Vars    map[string]string
	OutFile string // -o

	Stdout, Stderr io.Writer
	// Prompt is where an interactive session's lines come from; nil for
	// scripts.
	Prompt LineReader
	// ReadPassword asks for a password (:connect -U without -P); nil when
	// there is no terminal to ask on.
	ReadPassword func(prompt string) (string, error)

	// Aliases map server names to addresses (host[,port]), like SQL
	// Server's client aliases: the demo's :CONNECT PARTNERHOST1.
	Aliases map[string]string
	// Echo, when set, prints each batch before it runs instead of -e's
	// plain echo; server is the name the connection was made with.
	Echo func(w io.Writer, server, batch string)
}

// LineReader reads an interactive session's lines, showing prompt.
type LineReader interface {
	ReadLine(prompt string) (string, error)
}

// options is the command line: a Config and what to run.
type options struct {
	cfg          Config
	inputs       []string // -i files
	query        string   // -Q or -q
	exitAfter    bool     // -Q
	passwordFile string
	trusted      bool // -E
	help         bool
}

// errUsage wraps command-line errors; Main prints them with the hint.
var errUsage = errors.New("usage")

// valueOptions take a value, attached (-Sserver) or as the next argument.
var valueOptions = "SdUPioQqvVhsltyYH"

// parseArgs reads sqlcmd's options. As in sqlcmd, a value may be attached
// to its letter or follow it, -v takes one or more name=value arguments
// and -i one or more files (comma-separated or not).
func parseArgs(args []string) (*options, error) {
	o := &options{cfg: Config{ErrorsToStderr: -1, Vars: map[string]string{}}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "-?" || a == "--help" || a == "-help" {
			o.help = true
			continue
		}
		if a == "--password-file" || strings.HasPrefix(a, "--password-file=") {
			v, ok := strings.CutPrefix(a, "--password-file=")
			if !ok {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("%w: '--password-file': Missing argument.", errUsage)
				}
				i++
				v = args[i]
			}
			o.passwordFile = v
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			return nil, fmt.Errorf("%w: '%s': Unexpected argument. Argument values containing spaces must be enclosed in quotation marks.", errUsage, a)
		}
		letter, val := a[1], a[2:]
		if strings.IndexByte(valueOptions, letter) >= 0 && val == "" {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%w: '-%c': Missing argument. Enter '-?' for help.", errUsage, letter)
			}
			i++
			val = args[i]
		}
		if strings.IndexByte(valueOptions+"Nr", letter) < 0 && val != "" {
			return nil, fmt.Errorf("%w: '%s': Unknown Option. Enter '-?' for help.", errUsage, a)
		}
		if err := o.set(letter, val, a); err != nil {
			return nil, err
		}
		// -v and -i take the arguments after them that are not options.
		for (letter == 'v' || letter == 'i') && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			i++
			if err := o.set(letter, args[i], a); err != nil {
				return nil, err
			}
		}
	}
	if o.help {
		return o, nil
	}
	if o.trusted && (o.cfg.User != "" || o.cfg.Password != "") {
		return nil, fmt.Errorf("%w: The -E and the -U/-P options are mutually exclusive.", errUsage)
	}
	if len(o.inputs) > 0 && o.query != "" {
		return nil, fmt.Errorf("%w: The -i and the -Q/-q options are mutually exclusive.", errUsage)
	}
	if o.cfg.User != "" && o.cfg.Password == "" && o.passwordFile != "" {
		pw, err := ReadPasswordFile(o.passwordFile)
		if err != nil {
			return nil, fmt.Errorf("--password-file: %w", err)
		}
		o.cfg.Password = pw
	}
	return o, nil
}

// set applies one option; arg is the argument as given, for errors.
func (o *options) set(letter byte, val, arg string) error {
	c := &o.cfg
	switch letter {
	case 'S':
		c.Server = val
	case 'd':
		c.Database = val
	case 'U':
		c.User = val
	case 'P':
		c.Password = val
	case 'E':
		o.trusted = true
	case 'i':
		for _, f := range strings.Split(val, ",") {
			if f != "" {
				o.inputs = append(o.inputs, f)
			}
		}
	case 'o':
		c.OutFile = val
	case 'Q', 'q':
		o.query, o.exitAfter = val, letter == 'Q'
	case 'v':
		name, value, ok := strings.Cut(val, "=")
		if !ok {
			return fmt.Errorf("%w: '-v %s': Invalid argument. Enter '-?' for help.", errUsage, val)
		}
		if err := validName(name); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		c.Vars[strings.ToUpper(name)] = value
	case 'V':
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 || n > 25 {
			return fmt.Errorf("%w: '-V %s': value must be greater than or equal to 0 and less than or equal to 25.", errUsage, val)
		}
		c.ErrorSeverity = n
	case 'h':
		n, err := strconv.Atoi(val)
		if err != nil || n < -1 || n == 0 {
			return fmt.Errorf("%w: '-h %s': value must be -1 or greater than or equal to 1.", errUsage, val)
		}
		c.Vars[varHeaders] = val
	case 's':
		if len([]rune(val)) != 1 {
			return fmt.Errorf("%w: '-s %s': the column separator must be one character.", errUsage, val)
		}
		c.Vars[varColSep] = val
	case 'l', 't', 'y', 'Y':
		name := map[byte]string{'l': varLoginTimeout, 't': varStatTimeout, 'y': varMaxVarWidth, 'Y': varMaxFixedWidth}[letter]
		if n, err := strconv.Atoi(val); err != nil || n < 0 {
			return fmt.Errorf("%w: '-%c %s': value must be a number greater than or equal to 0.", errUsage, letter, val)
		}
		c.Vars[name] = val
	case 'H':
		c.Vars[varWorkstation] = val
	case 'b':
		c.ExitOnError = true
	case 'W':
		c.TrimSpaces = true
	case 'e':
		c.EchoInput = true
	case 'x':
		c.DisableVariables = true
	case 'X':
		c.DisableCommands = true
	case 'C':
		c.TrustServerCertificate = true
	case 'N':
		switch strings.ToLower(val) {
		case "", "s", "m", "strict", "mandatory", "true", "yes":
			c.Encrypt = true
		case "o", "optional", "false", "no":
			c.Encrypt = false
		default:
			return fmt.Errorf("%w: '-N %s': Unexpected argument. Argument value has to be one of [s, m, o].", errUsage, val)
		}
	case 'r':
		switch val {
		case "", "0":
			c.ErrorsToStderr = 0
		case "1":
			c.ErrorsToStderr = 1
		default:
			return fmt.Errorf("%w: '-r %s': Unexpected argument. Argument value has to be one of [0, 1].", errUsage, val)
		}
	case 'I', 'R', 'M':
		// Kept for compatibility: quoted identifiers are always on.
	default:
		return fmt.Errorf("%w: '%s': Unknown Option. Enter '-?' for help.", errUsage, arg)
	}
	return nil
}

// ReadPasswordFile reads a password from the first line of file; the
// server's --sa-password-file reads its file the same way.
func ReadPasswordFile(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	if pw == "" {
		return "", fmt.Errorf("%s: the first line is empty", file)
	}
	return pw, nil
}

const usage = `mirrordb sqlcmd: run T-SQL scripts and queries against mirrordb, as Microsoft's sqlcmd does

Usage: server sqlcmd [options]

  -S [tcp:]host[,port]  server to connect to (default 127.0.0.1,5432; $SQLCMDSERVER)
  -d database           initial database (default master)
  -U login              login name; without -P the password comes from --password-file,
                        $SQLCMDPASSWORD, ~/.pgpass, or a prompt when interactive
  -P password           password
  --password-file file  password on the first line of file
  -E                    trusted connection (the default when -U is not given)
  -N[s|m|o]             encrypt the connection (TLS, certificate checked); -No: only if offered
  -C                    trust the server certificate
  -l seconds            login timeout (default 8)
  -t seconds            query timeout (default 0: none)
  -i file[,file...]     run the files, then exit
  -o file               write output to file
  -Q "query"            run the query, then exit
  -q "query"            run the query, then read more interactively
  -v name=value ...     set scripting variables
  -b                    exit on an error (exit code 1, or its severity with -V)
  -V severity           least severity counted as an error (default 11)
  -r[0|1]               errors (1: all messages) to stderr
  -h headers            rows between column headings; -1: none
  -s char               column separator (default a space)
  -W                    remove trailing spaces
  -y width, -Y width    display width of large and fixed-size types
  -e                    echo each batch before it runs
  -x                    do not substitute $(variables)
  -X                    disable !! commands
  -?                    this help

Commands (at the start of a line, any case): GO [count], :setvar name [value],
$(name), :connect server[,port] [-U login [-P password]], :r file, :on error
exit|ignore, :out file|stdout|stderr, :error file|stdout|stderr, :reset, :list,
:listvar, :exit, :exit(), :exit(query), :quit, !! command, :help.
`
