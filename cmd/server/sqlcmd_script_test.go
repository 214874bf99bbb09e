package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"mirrordb/server"
	"mirrordb/server/servertest"
)

// TestSqlcmdScripts runs testdata/sqlcmd/*.txtar: `mirrordb sqlcmd` as a
// user runs it (the test binary as the command, a real process) against
// real instances the scripts start, over real sockets. Besides
// testscript's commands the scripts have:
//
//	instances NAME...    start an instance per NAME, each on its own
//	                     loopback address, @@SERVERNAME NAME; $NAME is its
//	                     -S address (host,port), $NAME_HOST its host and
//	                     $ENDPOINT_PORT a port free on all of them
//	exits N prog args    run prog; it must exit with status N (0-255)
//	eventually prog args run prog until it succeeds, for a minute at most
func TestSqlcmdScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/sqlcmd",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"instances":  startInstances,
			"exits":      exits,
			"eventually": eventually,
		},
	})
}

func startInstances(ts *testscript.TestScript, neg bool, names []string) {
	if neg || len(names) == 0 {
		ts.Fatalf("usage: instances NAME...")
	}
	hosts := servertest.LoopbackHosts(len(names))
	port, err := servertest.PickPort(hosts...)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv("ENDPOINT_PORT", strconv.Itoa(port))
	for i, name := range names {
		cfg := servertest.Config(servertest.Options{Dir: ts.MkAbs(filepath.Join(".instances", name)), Host: hosts[i], Name: name})
		srv, err := server.Start(cfg)
		if err != nil {
			ts.Fatalf("start %s: %v", name, err)
		}
		ts.Defer(func() {
			if err := srv.Close(); err != nil {
				ts.Logf("%s shutdown: %v", name, err)
			}
		})
		ts.Setenv(name, strings.Replace(srv.Addr(), ":", ",", 1))
		ts.Setenv(name+"_HOST", hosts[i])
	}
}

func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N prog args...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	got := 0
	var ee *exec.ExitError
	if err := ts.Exec(args[1], args[2:]...); errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func eventually(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: eventually prog args...")
	}
	deadline := time.Now().Add(time.Minute)
	for {
		err := ts.Exec(args[0], args[1:]...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s still fails after a minute: %v", args[0], err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
