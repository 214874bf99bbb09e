package sqlcmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"unicode/utf16"

	"mirrordb/parser"
)

// Session is one sqlcmd run: its variables, its connection, the batch
// being built and where output goes. Scripts, -Q queries and interactive
// lines all pass through the same line loop (run), so a command behaves
// the same wherever it is typed.
type Session struct {
	cfg  Config
	vars *vars
	out  io.Writer // results and messages: stdout, -o or :out
	// errOut receives SQL errors after :error (nil: with the messages);
	// sqlErr and cmdErr pick the stream for each kind.
	errOut io.Writer
	files  [2]*os.File // the open :out and :error files, closed when replaced

	conn        *conn
	lines       []string         // the batch being built, variables expanded
	text        parser.TextState // quotes and comments the batch leaves open
	exitOnError bool
	exitCode    int
	depth       int // :r nesting

	running     atomic.Pointer[conn] // the connection a batch runs on, for Cancel
	interrupted atomic.Bool          // Cancel stopped the running batch
}

// errStop ends a run: :exit, :quit, an error under -b or :on error exit,
// or a script error. The exit code is in the session.
var errStop = errors.New("sqlcmd: stop")

// scriptError is an error in the script itself (a command's syntax, a
// file that cannot be read, an undefined variable): reported on stderr,
// it ends a script with exit code 1 but not an interactive session.
type scriptError struct{ msg string }

func (e *scriptError) Error() string { return e.msg }

func scriptErrorf(format string, args ...any) *scriptError {
	return &scriptError{msg: fmt.Sprintf(format, args...)}
}

// New makes a session with cfg; it connects only when told (Connect) or
// when a script says :CONNECT.
func New(cfg Config) (*Session, error) {
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	s := &Session{cfg: cfg, vars: newVars(), out: cfg.Stdout, exitOnError: cfg.ExitOnError}
	for k, v := range cfg.Vars {
		s.vars.put(k, v)
	}
	if host, err := os.Hostname(); err == nil {
		if _, ok := cfg.Vars[varWorkstation]; !ok {
			s.vars.put(varWorkstation, host)
		}
	}
	if cfg.OutFile != "" {
		if err := s.redirect(0, cfg.OutFile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close closes the connection and the output files.
func (s *Session) Close() {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
	for i, f := range s.files {
		if f != nil {
			f.Close()
			s.files[i] = nil
		}
	}
}

// ExitCode is the process exit code sqlcmd would return now: 0, 1 after
// an error under -b, the severity under -V, :exit(query)'s value, ...
func (s *Session) ExitCode() int { return s.exitCode }

// Cancel asks the server to stop the running batch (a CancelRequest, as
// Ctrl-C does in sqlcmd); it reports false when no batch is running.
func (s *Session) Cancel() bool {
	c := s.running.Load()
	if c == nil {
		return false
	}
	s.interrupted.Store(true)
	go c.cancel()
	return true
}

// source is where lines come from: a file, a -Q query or the prompt.
type source struct {
	name   string // the file, for errors; "" for the command line and stdin
	dir    string // where :r finds relative paths
	lines  []string
	next   int
	prompt LineReader // set for an interactive session
	line   int        // the number of the line read last
}

func (src *source) read(s *Session) (string, error) {
	if src.prompt != nil {
		line, err := src.prompt.ReadLine(fmt.Sprintf("%d> ", len(s.lines)+1))
		src.line++
		return line, err
	}
	if src.next >= len(src.lines) {
		return "", io.EOF
	}
	src.next++
	src.line = src.next
	return src.lines[src.next-1], nil
}

// splitLines cuts a script into lines; a UTF-8 or UTF-16 byte-order
// mark is honoured, as sqlcmd reads Unicode files.
func splitLines(b []byte) []string {
	var text string
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		text = string(b[3:])
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			if b[0] == 0xFF {
				u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
			} else {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			}
		}
		text = string(utf16.Decode(u))
	default:
		text = string(b)
	}
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// RunFile runs a script file (-i): its batches, and at its end whatever
// follows the last GO. It reports false when the session must stop.
func (s *Session) RunFile(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return s.top(fileError(path, err))
	}
	return s.top(s.runLines(&source{name: path, dir: filepath.Dir(path), lines: splitLines(b)}, true))
}

// RunScript runs a script held in memory (-Q, -q, the demo's embedded
// demo.sql); name is its file name for messages ("" for the command line),
// and :r paths are relative to the working directory.
func (s *Session) RunScript(name, text string) bool {
	return s.top(s.runLines(&source{name: name, dir: ".", lines: splitLines([]byte(text))}, true))
}

// Interact reads batches from the prompt until exit, quit or end of
// input; a batch left without GO at the end is dropped, as sqlcmd does.
func (s *Session) Interact() {
	if s.cfg.Prompt == nil {
		return
	}
	s.top(s.run(&source{dir: ".", prompt: s.cfg.Prompt}))
}

// top ends a top-level run: a script error is reported and stops the
// session with exit code 1. It reports whether the session goes on.
func (s *Session) top(err error) bool {
	var se *scriptError
	if errors.As(err, &se) {
		s.cmdError(se.msg)
		s.exitCode = 1
		return false
	}
	return err == nil
}

func fileError(path string, err error) *scriptError {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return scriptErrorf("Sqlcmd: Error: Error occurred while opening or operating on file %s (Reason: %v).", path, err)
}

// runLines runs a source, then, when final (the end of an -i file or a
// -Q query, not of a :r include), the batch left after its last GO.
func (s *Session) runLines(src *source, final bool) error {
	if err := s.run(src); err != nil {
		return err
	}
	if final && len(s.lines) > 0 {
		return s.goCommand(1)
	}
	return nil
}

// run is the line loop. Commands are recognized only at the start of a
// line that does not begin inside a string or a comment; other lines are
// added to the batch with their variables expanded. In an interactive
// session an error in a line is reported and the session goes on.
func (s *Session) run(src *source) error {
	for {
		line, err := src.read(s)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return scriptErrorf("Sqlcmd: Error: %v", err)
		}
		err = s.line(src, line)
		var se *scriptError
		if err != nil && src.prompt != nil && errors.As(err, &se) {
			s.cmdError(se.msg)
			continue
		}
		if err != nil {
			return err
		}
	}
}

func (s *Session) line(src *source, line string) error {
	if !s.text.Open() {
		if name, args, ok := matchCommand(line); ok {
			return s.command(src, name, args)
		}
	}
	s.text.Scan(line)
	if !s.cfg.DisableVariables {
		var err error
		if line, err = s.vars.expand(line); err != nil {
			return &scriptError{msg: err.Error()}
		}
	}
	s.lines = append(s.lines, line)
	return nil
}

// resetBatch empties the batch (after GO, :reset).
func (s *Session) resetBatch() {
	s.lines = s.lines[:0]
	s.text.Reset()
}

// sqlErr is where SQL errors go: :error's file, stderr under -r, else
// with the results.
func (s *Session) sqlErr() io.Writer {
	if s.errOut != nil {
		return s.errOut
	}
	if s.cfg.ErrorsToStderr >= 0 {
		return s.cfg.Stderr
	}
	return s.out
}

// msgOut is where informational messages (PRINT, severity <= 10) go:
// stderr under -r1, else with the results.
func (s *Session) msgOut() io.Writer {
	if s.cfg.ErrorsToStderr == 1 {
		return s.sqlErr()
	}
	return s.out
}

// cmdError reports sqlcmd's own errors: on stderr, or :error's file.
func (s *Session) cmdError(msg string) {
	w := s.cfg.Stderr
	if s.errOut != nil {
		w = s.errOut
	}
	fmt.Fprintln(w, msg)
}

// redirect is :out (which 0) and :error (which 1): a file, stdout or
// stderr.
func (s *Session) redirect(which int, target string) error {
	var w io.Writer
	var f *os.File
	switch strings.ToLower(target) {
	case "stdout":
		w = s.cfg.Stdout
	case "stderr":
		w = s.cfg.Stderr
	default:
		var err error
		if f, err = os.OpenFile(target, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644); err != nil {
			return fileError(target, err)
		}
		w = f
	}
	if old := s.files[which]; old != nil {
		old.Close()
	}
	s.files[which] = f
	if which == 0 {
		s.out = w
	} else {
		s.errOut = w
	}
	return nil
}
