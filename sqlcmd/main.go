package sqlcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"
)

// Main is `server sqlcmd`: it parses args, connects, runs -Q/-q, the -i
// files or what stdin holds (a prompt with history when it is a
// terminal), and returns the exit code.
func Main(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, "Sqlcmd:"+strings.TrimPrefix(err.Error(), errUsage.Error()+":"))
		return 1
	}
	if o.help {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cfg := o.cfg
	cfg.Stdout, cfg.Stderr = stdout, stderr
	if cfg.Server == "" {
		cfg.Server = os.Getenv("SQLCMDSERVER")
	}
	if cfg.Server == "" {
		cfg.Server = "127.0.0.1"
	}
	if cfg.Database == "" {
		cfg.Database = os.Getenv("SQLCMDDBNAME")
	}
	tty := stdin != nil && term.IsTerminal(int(stdin.Fd()))
	if tty {
		cfg.ReadPassword = func(prompt string) (string, error) {
			fmt.Fprint(stderr, prompt)
			pw, err := term.ReadPassword(int(stdin.Fd()))
			fmt.Fprintln(stderr)
			return string(pw), err
		}
	}
	interactive := len(o.inputs) == 0 && !o.exitAfter
	if interactive && tty {
		cfg.Prompt = newTermReader(stdin, stdout)
	}
	s, err := New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer s.Close()
	password := cfg.Password
	if cfg.User != "" && password == "" {
		password = s.password()
	}
	if err := s.Connect(cfg.Server, cfg.User, password); err != nil {
		s.cmdError("Sqlcmd: Error: " + err.Error())
		return 1
	}
	defer interrupts(s)()

	if o.query != "" && !s.RunScript("", o.query) || o.exitAfter {
		return s.ExitCode()
	}
	for _, f := range o.inputs {
		if !s.RunFile(f) {
			return s.ExitCode()
		}
	}
	switch {
	case len(o.inputs) > 0:
	case cfg.Prompt != nil:
		s.Interact()
	default:
		// Piped input is a script, run to its end.
		b, err := io.ReadAll(bufio.NewReader(stdin))
		if err != nil {
			s.cmdError("Sqlcmd: Error: " + err.Error())
			return 1
		}
		s.RunScript("", string(b))
	}
	return s.ExitCode()
}

// interrupts makes Ctrl-C cancel the running batch (sqlcmd's behaviour);
// with no batch running it ends sqlcmd. It returns the function that
// stops listening.
func interrupts(s *Session) func() {
	sig := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-sig:
				if !s.Cancel() {
					s.Close()
					os.Exit(1)
				}
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}

// termReader reads lines from a terminal with golang.org/x/term's line
// editor: arrows, history (up and down), Ctrl-D or Ctrl-C to end. The
// terminal is raw only while a line is read, so that Ctrl-C during a
// batch is a signal (and cancels it).
type termReader struct {
	fd int
	t  *term.Terminal
}

func newTermReader(in *os.File, out io.Writer) *termReader {
	return &termReader{fd: int(in.Fd()), t: term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{in, out}, "")}
}

func (r *termReader) ReadLine(prompt string) (string, error) {
	state, err := term.MakeRaw(r.fd)
	if err != nil {
		return "", err
	}
	defer term.Restore(r.fd, state)
	if w, _, err := term.GetSize(r.fd); err == nil {
		r.t.SetSize(w, 0)
	}
	r.t.SetPrompt(prompt)
	line, err := r.t.ReadLine()
	if errors.Is(err, term.ErrPasteIndicator) {
		err = nil
	}
	return line, err
}
