package main

import (
	"fmt"
	"regexp"
	"strings"
)

// batch is one GO-terminated batch of a sqlcmd-mode script, the unit the
// demo sends in one query string.
type batch struct {
	line    int      // where the batch starts in the script, for errors
	notes   []string // the comment lines just before it, echoed as it runs
	connect bool     // a :CONNECT came before it: run it on a new connection
	server  string   // the server of the last :CONNECT
	sql     string   // the statements, with $(Name) replaced
}

var (
	goLine     = regexp.MustCompile(`(?i)^\s*GO\s*$`)
	connectCmd = regexp.MustCompile(`(?i)^\s*:CONNECT\s+(\S+)\s*$`)
	scriptVar  = regexp.MustCompile(`\$\((\w+)\)`)
)

// parseSqlcmd splits a script in the subset of sqlcmd mode the demo uses:
// batches ended by GO, :CONNECT server, $(Name) variables from vars (an
// unknown one is an error, as in sqlcmd). The opening comment block,
// up to the first blank line, documents the file and is not echoed.
func parseSqlcmd(script string, vars map[string]string) ([]batch, error) {
	lines := strings.Split(script, "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
		i++
	}
	var out []batch
	cur := batch{}
	var body []string
	for ; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case connectCmd.MatchString(line):
			cur.server, cur.connect = connectCmd.FindStringSubmatch(line)[1], true
		case goLine.MatchString(line):
			if len(body) == 0 {
				continue
			}
			cur.sql = strings.Join(body, "\n")
			out = append(out, cur)
			cur, body = batch{server: cur.server}, nil
		case len(body) == 0 && strings.HasPrefix(trimmed, "--"):
			cur.notes = append(cur.notes, trimmed)
		case len(body) == 0 && trimmed == "":
		default:
			if cur.server == "" {
				return nil, fmt.Errorf("line %d: a statement before any :CONNECT", i+1)
			}
			var missing string
			line = scriptVar.ReplaceAllStringFunc(line, func(v string) string {
				name := v[2 : len(v)-1]
				val, ok := vars[name]
				if !ok {
					missing = name
				}
				return val
			})
			if missing != "" {
				return nil, fmt.Errorf("line %d: 'scripting variable' $(%s) is not defined", i+1, missing)
			}
			if len(body) == 0 {
				cur.line = i + 1
			}
			body = append(body, line)
		}
	}
	if len(body) > 0 {
		return nil, fmt.Errorf("line %d: the last batch has no GO", cur.line)
	}
	return out, nil
}
