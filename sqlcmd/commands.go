package sqlcmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// colonless are the commands sqlcmd also knows without their colon (for
// osql scripts); they count only as the whole line (GO with its count,
// EXIT with its parentheses), so "RESET statement_timeout" stays SQL.
var colonless = map[string]bool{"GO": true, "RESET": true, "EXIT": true, "QUIT": true, "ED": true}

// matchCommand recognizes a command line: name is the command in upper
// case ("ON ERROR" for :on error; ":WORD" for an unknown :word, a syntax
// error) and args the rest of the line.
func matchCommand(line string) (name, args string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	if rest, ok := strings.CutPrefix(t, ":!!"); ok {
		return "!!", rest, true
	}
	if rest, ok := strings.CutPrefix(t, "!!"); ok {
		return "!!", rest, true
	}
	colon := strings.HasPrefix(t, ":")
	if colon {
		t = t[1:]
	}
	n := 0
	for n < len(t) && (t[n]|0x20 >= 'a' && t[n]|0x20 <= 'z') {
		n++
	}
	word, rest := strings.ToUpper(t[:n]), t[n:]
	if word == "" {
		return "", "", false // "::fn_..." is SQL
	}
	spaced := rest == "" || rest[0] == ' ' || rest[0] == '\t'
	if word == "ON" && colon && spaced {
		r := strings.TrimLeft(rest, " \t")
		if len(r) >= 5 && strings.EqualFold(r[:5], "ERROR") && (len(r) == 5 || r[5] == ' ' || r[5] == '\t') {
			return "ON ERROR", r[5:], true
		}
	}
	if colon {
		if !spaced && !(word == "EXIT" && rest[0] == '(') {
			return ":" + word, "", true
		}
		return word, rest, true
	}
	if !colonless[word] {
		return "", "", false
	}
	bare := strings.TrimSpace(stripComment(rest))
	switch {
	case word == "GO" && spaced:
		return word, rest, true
	case word == "EXIT" && (bare == "" || bare[0] == '('):
		return word, rest, true
	case word != "GO" && word != "EXIT" && bare == "":
		return word, "", true
	}
	return "", "", false
}

// stripComment removes a trailing -- comment from a command's arguments:
// one that starts a word, outside double quotes.
func stripComment(args string) string {
	quoted, space := false, true
	for i := 0; i < len(args); i++ {
		c := args[i]
		switch {
		case c == '"':
			quoted = !quoted
			space = false
		case c == ' ' || c == '\t':
			space = true
		case !quoted && space && c == '-' && i+1 < len(args) && args[i+1] == '-':
			return args[:i]
		default:
			space = false
		}
	}
	return args
}

// unquote removes the double quotes around a file name.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}

func syntaxError(src *source, command string) *scriptError {
	if src.name != "" {
		return scriptErrorf("Sqlcmd: Error: Syntax error at line %d near command '%s' in file '%s'.", src.line, command, src.name)
	}
	return scriptErrorf("Sqlcmd: Error: Syntax error at line %d near command '%s'.", src.line, command)
}

// command runs one command. Commands run at once: they are not part of
// the batch, which goes on after them.
func (s *Session) command(src *source, name, args string) error {
	display := name
	if name != "GO" && !strings.HasPrefix(name, ":") && name != "!!" {
		display = ":" + name
	}
	if name != "!!" {
		args = stripComment(args)
	}
	if !s.cfg.DisableVariables {
		var err error
		if args, err = s.vars.expand(args); err != nil {
			return &scriptError{msg: err.Error()}
		}
	}
	a := strings.TrimSpace(args)
	switch name {
	case "GO":
		n := 1
		if a != "" {
			var err error
			if n, err = strconv.Atoi(a); err != nil || n < 1 {
				return syntaxError(src, display)
			}
		}
		return s.goCommand(n)
	case "SETVAR":
		return s.setvarCommand(src, a)
	case "LISTVAR":
		for _, l := range s.vars.list() {
			fmt.Fprintln(s.out, l)
		}
	case "CONNECT":
		return s.connectCommand(src, a)
	case "R":
		return s.include(src, unquote(a))
	case "ON ERROR":
		switch strings.ToLower(a) {
		case "exit":
			s.exitOnError = true
		case "ignore":
			s.exitOnError = false
		default:
			return syntaxError(src, display)
		}
	case "OUT", "ERROR":
		if a == "" {
			return syntaxError(src, display)
		}
		which := 0
		if name == "ERROR" {
			which = 1
		}
		return s.redirect(which, unquote(a))
	case "RESET":
		s.resetBatch()
	case "LIST":
		if len(s.lines) > 0 {
			fmt.Fprintln(s.out, strings.Join(s.lines, "\n"))
		}
	case "EXIT":
		return s.exitCommand(src, a)
	case "QUIT":
		return errStop
	case "!!":
		return s.shell(a)
	case "HELP":
		fmt.Fprint(s.out, help)
	case "ED", "XML", "PERFTRACE", "SERVERLIST":
		s.cmdError(fmt.Sprintf("Sqlcmd: Warning: %s is not supported by mirrordb sqlcmd.", display))
	default:
		return syntaxError(src, display)
	}
	return nil
}

// setvarCommand is :setvar name [value]; without a value the variable is
// removed.
func (s *Session) setvarCommand(src *source, a string) error {
	name, value, _ := strings.Cut(strings.Replace(a, "\t", " ", 1), " ")
	value = strings.TrimSpace(value)
	if name == "" {
		return syntaxError(src, ":SETVAR")
	}
	unset := value == ""
	if !unset {
		var err error
		if value, err = parseValue(value); err != nil {
			return scriptErrorf("Sqlcmd: Error: %v", err)
		}
	}
	if err := s.vars.setvar(name, value, unset); err != nil {
		return scriptErrorf("Sqlcmd: Error: %v", err)
	}
	return nil
}

// goCommand runs the batch n times (GO n), then starts a new one.
func (s *Session) goCommand(n int) error {
	text := strings.Join(s.lines, "\n")
	s.resetBatch()
	if strings.TrimSpace(text) == "" {
		return nil
	}
	for range n {
		if err := s.account(s.execute(text)); err != nil {
			return err
		}
	}
	return nil
}

// exitCommand is :exit (stop, the batch unsent), :exit() (run the batch,
// then stop) and :exit(query): run the batch and the query together and
// exit with the first column of the last row; -100 when an error came
// first, -101 when there was no row, -102 when it is not a number.
func (s *Session) exitCommand(src *source, a string) error {
	if a == "" {
		return errStop
	}
	if a[0] != '(' || a[len(a)-1] != ')' {
		return syntaxError(src, ":EXIT")
	}
	query := strings.TrimSpace(a[1 : len(a)-1])
	text := strings.Join(s.lines, "\n")
	s.resetBatch()
	if query == "" {
		if strings.TrimSpace(text) != "" {
			s.account(s.execute(text))
		}
		return errStop
	}
	if strings.TrimSpace(text) != "" {
		query = text + "\n" + query
	}
	res := s.execute(query)
	switch {
	case res.worst > 10:
		s.exitCode = -100
	case res.last == nil:
		s.exitCode = -101
	default:
		n, err := strconv.ParseInt(strings.TrimSpace(*res.last), 10, 32)
		if err != nil {
			f, ferr := strconv.ParseFloat(strings.TrimSpace(*res.last), 64)
			if ferr != nil {
				s.exitCode = -102
				break
			}
			n = int64(f)
		}
		s.exitCode = int(n)
	}
	return errStop
}

// maxDepth bounds :r nesting, so that a file including itself stops.
const maxDepth = 32

// include is :r file: its lines join the current batch, as if typed in
// place; a relative path is relative to the including file.
func (s *Session) include(src *source, path string) error {
	if path == "" {
		return syntaxError(src, ":R")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(src.dir, path)
	}
	if s.depth >= maxDepth {
		return scriptErrorf("Sqlcmd: Error: :r %s: files include each other more than %d deep.", path, maxDepth)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fileError(path, err)
	}
	s.depth++
	defer func() { s.depth-- }()
	return s.runLines(&source{name: path, dir: filepath.Dir(path), lines: splitLines(b)}, false)
}

// shell is !! command: the command runs in sh, its output with sqlcmd's.
func (s *Session) shell(command string) error {
	if s.cfg.DisableCommands {
		s.cmdError("Sqlcmd: Warning: ED and !!<command> commands, startup script, and environment variables are disabled.")
		return nil
	}
	if command == "" {
		return nil
	}
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout, cmd.Stderr = s.out, s.cfg.Stderr
	_ = cmd.Run() // as in sqlcmd, the command's exit status is not sqlcmd's concern
	return nil
}

const help = `:!! [<command>]
  - Executes a command in the operating system shell.
:connect server[,port] [-U user [-P password]] [-l timeout]
  - Connects to a mirrordb instance and closes the previous connection.
:error <dest>
  - Redirects error output to a file, stderr, or stdout.
:exit
  - Quits sqlcmd immediately.
:exit()
  - Execute statement cache; quit with no return value.
:exit(<query>)
  - Execute the specified query; returns numeric result.
go [<n>]
  - Executes the statement cache (n times).
:help
  - Shows this list of commands.
:list
  - Prints the content of the statement cache.
:listvar
  - Lists the set sqlcmd scripting variables.
:on error [exit|ignore]
  - Action for batch or sqlcmd command errors.
:out <filename>|stderr|stdout
  - Redirects query output to a file, stderr, or stdout.
:quit
  - Quits sqlcmd immediately.
:r <filename>
  - Append file contents to the statement cache.
:reset
  - Discards the statement cache.
:setvar {variable}
  - Removes a sqlcmd scripting variable.
:setvar <variable> <value>
  - Sets a sqlcmd scripting variable.
`
