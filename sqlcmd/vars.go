package sqlcmd

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Built-in scripting variables. Options set them (-h sets SQLCMDHEADERS,
// -t SQLCMDSTATTIMEOUT, ...) and the formatter and connections read them
// at each batch, so that :setvar SQLCMDCOLSEP , works as in sqlcmd.
const (
	varColSep        = "SQLCMDCOLSEP"
	varColWidth      = "SQLCMDCOLWIDTH"
	varDBName        = "SQLCMDDBNAME"
	varEditor        = "SQLCMDEDITOR"
	varErrorLevel    = "SQLCMDERRORLEVEL"
	varHeaders       = "SQLCMDHEADERS"
	varINI           = "SQLCMDINI"
	varLoginTimeout  = "SQLCMDLOGINTIMEOUT"
	varMaxFixedWidth = "SQLCMDMAXFIXEDTYPEWIDTH"
	varMaxVarWidth   = "SQLCMDMAXVARTYPEWIDTH"
	varPacketSize    = "SQLCMDPACKETSIZE"
	varServer        = "SQLCMDSERVER"
	varStatTimeout   = "SQLCMDSTATTIMEOUT"
	varUser          = "SQLCMDUSER"
	varWorkstation   = "SQLCMDWORKSTATION"
)

// builtinDefaults are sqlcmd's defaults, used when neither an option, a
// :setvar nor the environment gives a value.
var builtinDefaults = map[string]string{
	varColSep: " ", varColWidth: "0", varDBName: "", varEditor: "vi", varErrorLevel: "0", varHeaders: "0",
	varINI: "", varLoginTimeout: "8", varMaxFixedWidth: "0", varMaxVarWidth: "256", varPacketSize: "4096",
	varServer: "", varStatTimeout: "0", varUser: "", varWorkstation: "",
}

// readOnlyVars describe the connection; :setvar may not change them.
var readOnlyVars = map[string]bool{varDBName: true, varINI: true, varPacketSize: true, varServer: true,
	varUser: true, varWorkstation: true}

// vars holds the scripting variables by upper-case name (sqlcmd's names
// are case-insensitive). A name not set here is looked up in the
// environment, then among the built-in defaults.
type vars struct {
	set map[string]string
}

func newVars() *vars { return &vars{set: map[string]string{}} }

func (v *vars) get(name string) (string, bool) {
	key := strings.ToUpper(name)
	if val, ok := v.set[key]; ok {
		return val, true
	}
	if val, ok := os.LookupEnv(name); ok {
		return val, true
	}
	if val, ok := os.LookupEnv(key); ok {
		return val, true
	}
	val, ok := builtinDefaults[key]
	return val, ok
}

// int reads a numeric variable, def when it is unset or not a number.
func (v *vars) int(name string, def int) int {
	s, _ := v.get(name)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

// put sets a variable as an option or the session does (no read-only
// check).
func (v *vars) put(name, value string) { v.set[strings.ToUpper(name)] = value }

// setvar is :setvar name [value]: with no value the variable is removed.
func (v *vars) setvar(name, value string, unset bool) error {
	if err := validName(name); err != nil {
		return err
	}
	key := strings.ToUpper(name)
	if readOnlyVars[key] {
		return fmt.Errorf("The scripting variable: '%s' is read-only", name)
	}
	if unset {
		delete(v.set, key)
		return nil
	}
	v.set[key] = value
	return nil
}

// list is :listvar: the built-in variables, then the others, sorted.
func (v *vars) list() []string {
	var builtin, user []string
	for k := range builtinDefaults {
		builtin = append(builtin, k)
	}
	for k := range v.set {
		if _, ok := builtinDefaults[k]; !ok {
			user = append(user, k)
		}
	}
	sort.Strings(builtin)
	sort.Strings(user)
	out := make([]string, 0, len(builtin)+len(user))
	for _, k := range append(builtin, user...) {
		val, _ := v.get(k)
		out = append(out, fmt.Sprintf("%s = \"%s\"", k, val))
	}
	return out
}

// validName checks a variable name: a letter or _, then letters, digits,
// _ or -.
func validName(name string) error {
	for i, c := range name {
		if unicode.IsLetter(c) || c == '_' || (i > 0 && (unicode.IsDigit(c) || c == '-')) {
			continue
		}
		return fmt.Errorf("Invalid variable identifier %s", name)
	}
	if name == "" {
		return fmt.Errorf("Invalid variable identifier")
	}
	return nil
}

// parseValue reads a :setvar or -v value: either one word without spaces,
// or a "quoted" string in which "" stands for one quote.
func parseValue(val string) (string, error) {
	if val == "" || val[0] != '"' {
		if strings.ContainsAny(val, " \t\"") {
			return "", fmt.Errorf("Invalid variable value %s", val)
		}
		return val, nil
	}
	var b strings.Builder
	for i := 1; i < len(val); i++ {
		if val[i] != '"' {
			b.WriteByte(val[i])
			continue
		}
		if i == len(val)-1 {
			return b.String(), nil
		}
		if val[i+1] != '"' {
			break
		}
		b.WriteByte('"')
		i++
	}
	return "", fmt.Errorf("Invalid variable value %s", val)
}

// undefinedVar is sqlcmd's error for $(name) with no value; it stops a
// script (a set-up script must not send $(name) to the server).
type undefinedVar string

func (u undefinedVar) Error() string {
	return fmt.Sprintf("'%s' scripting variable not defined.", string(u))
}

// expand replaces every $(name) in text with its value. A "$(" that does
// not start a well-formed reference is left as it is.
func (v *vars) expand(text string) (string, error) {
	if !strings.Contains(text, "$(") {
		return text, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "$(")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		end := strings.IndexByte(text[i+2:], ')')
		name := ""
		if end >= 0 {
			name = text[i+2 : i+2+end]
		}
		if end < 0 || validName(name) != nil {
			b.WriteString(text[:i+2])
			text = text[i+2:]
			continue
		}
		val, ok := v.get(name)
		if !ok {
			return "", undefinedVar(name)
		}
		b.WriteString(text[:i])
		b.WriteString(val)
		text = text[i+3+end:]
	}
}
