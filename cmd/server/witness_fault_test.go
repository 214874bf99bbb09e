package main

import (
	"flag"
	"fmt"
	"regexp"
	"sort"
	"syscall"
	"testing"
	"time"

	"mirrordb/internal/testutil"
)

var (
	faultTimeout = flag.Int("fault.timeout", 5,
		"partner TIMEOUT in seconds in TestWitnessFaults (5 is the least SQL Server allows; its default is 10)")
	faultPhases = flag.String("fault.phases", "", "run only the phases of TestWitnessFaults whose names match this regexp")
)

// TestWitnessFaults runs a principal, a mirror and a witness as three
// processes whose links all pass through fault-injecting proxies, with
// writers committing unique keys all along, and takes them through every
// kind of failure in turn. After each, the session must be back to
// SYNCHRONIZED with the witness; at the end every acknowledged commit must
// be on the principal and, after a manual failover, on the other partner,
// and the acknowledgements must show one principal at a time.
func TestWitnessFaults(t *testing.T) {
	timeout := time.Duration(*faultTimeout) * time.Second
	c := newCluster(t, "Faults", *faultTimeout)
	w := c.writers(6)
	w.WaitFor(100)

	// seqOf is the role sequence the partner reports.
	seqOf := func(n *instance) int64 {
		s, err := n.status(c.db)
		if err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		return s.seq
	}
	// unchanged checks that no failover happened and that the principal
	// acknowledged commits after from.
	unchanged := func(p, m *instance, seq int64, from time.Time) {
		t.Helper()
		for _, n := range []*instance{p, m} {
			if s, err := n.status(c.db); err != nil || s.seq != seq || (n == p) != (s.role == "PRINCIPAL") {
				t.Fatalf("%s: %+v (%v): the roles changed (role sequence was %d)", n.name, s, err, seq)
			}
		}
		c.firstAck(w, p, from, 10*time.Second)
	}
	// hold runs fault, waits out TIMEOUT and a little, checks that
	// nothing failed over, that the principal serves and that the fault
	// shows in the principal's (who == "p") or the mirror's row, then
	// heals.
	hold := func(fault func(p, m *instance), who string, want mirroring) {
		t.Helper()
		p, m := c.steady()
		seq := seqOf(p)
		fault(p, m)
		start := time.Now()
		time.Sleep(timeout + 3*time.Second)
		unchanged(p, m, seq, start.Add(timeout+time.Second))
		n := p
		if who == "m" {
			n = m
		}
		if s, err := n.status(c.db); err != nil || s.state != want.state || s.witness != want.witness {
			t.Fatalf("%s during the fault: %+v (%v), want state %s, witness %s", n.name, s, err, want.state, want.witness)
		}
		c.heal()
	}

	// phase runs one fault (not as a subtest: the cluster's helpers fail
	// the whole test).
	only := regexp.MustCompile(*faultPhases)
	phase := func(name string, run func()) {
		if !only.MatchString(name) {
			return
		}
		t.Logf("--- %s", name)
		run()
	}
	phase("kill -9 of the principal", func() {
		p, m := c.steady()
		start := time.Now()
		p.kill()
		took := c.waitRole(m, "PRINCIPAL", timeout+30*time.Second)
		served := c.firstAck(w, m, start, 30*time.Second).Sub(start)
		t.Logf("%s took over %s after the kill, first commit acknowledged after %s", m.name, took, served)
		p.start()
		c.waitRole(p, "MIRROR", time.Minute)
	})
	phase("SIGSTOP of the principal past its lease", func() {
		p, m := c.steady()
		start := time.Now()
		p.signal(syscall.SIGSTOP)
		took := c.waitRole(m, "PRINCIPAL", timeout+30*time.Second)
		served := c.firstAck(w, m, start, 30*time.Second).Sub(start)
		t.Logf("%s took over %s after the pause (TIMEOUT %s), first commit acknowledged after %s", m.name, took, timeout, served)
		time.Sleep(time.Second)
		p.signal(syscall.SIGCONT) // it must not acknowledge anything now
		c.waitRole(p, "MIRROR", time.Minute)
	})
	phase("principal and mirror cut apart", func() {
		// Both still see the witness, which hears the principal: no
		// failover; the principal runs exposed.
		hold(func(p, m *instance) { cut(p, m) }, "p", mirroring{state: "DISCONNECTED", witness: "CONNECTED"})
	})
	phase("principal and witness cut apart", func() {
		hold(func(p, _ *instance) { cut(p, c.w) }, "p", mirroring{state: "SYNCHRONIZED", witness: "DISCONNECTED"})
	})
	phase("mirror and witness cut apart", func() {
		hold(func(_, m *instance) { cut(m, c.w) }, "m", mirroring{state: "SYNCHRONIZED", witness: "DISCONNECTED"})
	})
	phase("principal to mirror one way", func() {
		// The mirror hears nothing, the principal hears the mirror: the
		// witness still hears the principal, so no failover.
		hold(func(p, m *instance) { cutOneWay(p, m) }, "p", mirroring{state: "DISCONNECTED", witness: "CONNECTED"})
	})
	phase("principal isolated", func() {
		p, m := c.steady()
		start := time.Now()
		cut(p, m)
		cut(p, c.w)
		took := c.waitRole(m, "PRINCIPAL", timeout+30*time.Second)
		c.firstAck(w, m, start, 30*time.Second)
		err := p.try(fmt.Sprintf(`INSERT INTO %s.dbo.t (id, worker) VALUES (-1, -1)`, c.db))
		if testutil.MsgNumber(err) != 955 {
			t.Fatalf("the isolated former principal: %v, want Msg 955", err)
		}
		t.Logf("%s took over %s after the principal was isolated; the old principal refuses: %v", m.name, took, err)
		c.heal()
		c.waitRole(p, "MIRROR", time.Minute)
	})
	phase("witness lost, then the mirror", func() {
		p, m := c.steady()
		c.w.kill()
		mark := time.Now()
		c.firstAck(w, p, mark.Add(timeout+time.Second), 2*timeout+10*time.Second) // partners' quorum
		m.kill()
		start := time.Now()
		var err error
		for testutil.MsgNumber(err) != 955 {
			if time.Since(start) > timeout+30*time.Second {
				t.Fatalf("%s without quorum still: %v", p.name, err)
			}
			time.Sleep(50 * time.Millisecond)
			err = p.try(fmt.Sprintf(`INSERT INTO %s.dbo.t (id, worker) VALUES (-2, -2)`, c.db))
		}
		t.Logf("%s closed the database %s after losing the mirror", p.name, time.Since(start))
		c.w.start()
		c.firstAck(w, p, time.Now(), time.Minute) // the witness's return gives it quorum
		m.start()
	})
	c.finish(w)
}

// BenchmarkAutomaticFailover reports the failover time distribution of a
// high-safety session with a witness and the default TIMEOUT (10 s): from
// kill -9 (hard) or SIGSTOP (silent) of the principal to the first commit
// the new principal acknowledges to a client polling it every 10 ms, over
// b.N failures (-benchtime=10x for the report), and the acknowledged
// commits lost (must be 0) by writers running all along.
func BenchmarkAutomaticFailover(b *testing.B) {
	for _, mode := range []string{"hard", "silent"} {
		b.Run(mode, func(b *testing.B) {
			c := newCluster(b, "Bench", 0)
			w := c.writers(6)
			w.WaitFor(100)
			var times []time.Duration
			for range b.N {
				p, m := c.steady()
				start := time.Now()
				if mode == "hard" {
					p.kill()
				} else {
					p.signal(syscall.SIGSTOP)
				}
				times = append(times, c.serving(m, start, time.Minute))
				if mode == "hard" {
					p.start()
				} else {
					p.signal(syscall.SIGCONT)
				}
				c.waitRole(p, "MIRROR", time.Minute)
			}
			c.finish(w) // fails the benchmark if an acknowledged commit is lost
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[0].Milliseconds()), "min-ms")
			b.ReportMetric(float64(times[len(times)/2].Milliseconds()), "median-ms")
			b.ReportMetric(float64(times[len(times)-1].Milliseconds()), "max-ms")
			b.ReportMetric(0, "lost-acks")
		})
	}
}
