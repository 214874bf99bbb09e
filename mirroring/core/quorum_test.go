package core

import (
	"testing"
	"time"

	"mirrordb/sqlerr"
)

// Named quorum scenarios of SPEC §8.2 and §8.3, on the simulator (every
// acknowledgement and role switch is checked there too). A is the
// principal, B the mirror and W the witness at the start; the session is
// SAFETY FULL and SYNCHRONIZED.

// synced starts a witnessed session with clients writing, and lets it
// synchronize.
func synced(t *testing.T, witness bool) *sim {
	s := newSim(t, 7, witness)
	s.clients(20 * time.Millisecond)
	s.run(3 * time.Second)
	s.wantRoles(Principal, Mirror)
	return s
}

func (s *sim) wantRoles(a, b Role) {
	s.t.Helper()
	if s.nodes[nodeA].role != a || s.nodes[nodeB].role != b {
		s.fail("roles A %s, B %s; want %s, %s", s.nodes[nodeA].role, s.nodes[nodeB].role, a, b)
	}
}

// until runs the simulation until cond holds (or fails after max) and
// returns how long it took.
func (s *sim) until(max time.Duration, what string, cond func() bool) time.Duration {
	s.t.Helper()
	start := s.now
	for !cond() {
		if s.now.Sub(start) > max {
			s.fail("%s did not happen within %s", what, max)
		}
		s.run(10 * time.Millisecond)
	}
	return s.now.Sub(start)
}

// acksBy counts acknowledgements by node i since t.
func (s *sim) acksBy(i int, since time.Time) int {
	n := 0
	for _, a := range s.acks {
		if a.node == i && !a.at.Before(since) {
			n++
		}
	}
	return n
}

func (s *sim) serves(i int) bool {
	n := s.nodes[i]
	return n.alive && n.role == Principal && n.serving
}

// Mirror lost, witness connected to the principal: the principal runs
// exposed with witness-to-partner quorum and keeps acknowledging.
func TestQuorumMirrorLostPrincipalRunsExposed(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeB)
	s.run(time.Second)
	mark := s.now
	s.run(3 * time.Second)
	if !s.serves(nodeA) || s.acksBy(nodeA, mark) < 50 {
		s.fail("the principal stopped serving after losing only its mirror (%d acks)", s.acksBy(nodeA, mark))
	}
	if st := s.nodes[nodeA].s.State(); st != Disconnected {
		s.fail("principal state %s, want DISCONNECTED", st)
	}
	s.restart(nodeB)
	s.until(10*time.Second, "resynchronization", func() bool { return s.nodes[nodeB].s.State() == Synchronized })
	s.settle()
}

// Mirror lost, witness not connected to the principal: no quorum, the
// principal stops serving and acknowledges nothing until one comes back.
func TestQuorumMirrorAndWitnessLostPrincipalGoesOffline(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeW)
	s.crash(nodeB)
	s.until(10*time.Second, "the principal going offline", func() bool { return !s.serves(nodeA) })
	mark := s.now
	s.run(5 * time.Second)
	if n := s.acksBy(nodeA, mark); n != 0 {
		s.fail("the principal acknowledged %d commits without quorum", n)
	}
	s.command(nodeA, Command{Kind: CmdTimeout, Timeout: 20})
	if err := s.nodes[nodeA].replies[s.nextCmd]; msgNum(err) != 1431 {
		s.fail("TIMEOUT on a principal without quorum: %v, want 1431", err)
	}
	s.restart(nodeW)
	s.until(5*time.Second, "the principal serving again with the witness", func() bool { return s.serves(nodeA) })
	s.settle()
}

// Principal isolated by silence: when its lease ends, before TIMEOUT
// drops its links, it closes the database and its status stops claiming
// a partner and a witness it no longer hears (DISCONNECTED, witness
// DISCONNECTED); the flag it sends the mirror still says synchronized
// (a mirror that hears it must stay able to take over).
func TestQuorumIsolatedPrincipalReportsDisconnected(t *testing.T) {
	s := synced(t, true)
	a := s.nodes[nodeA]
	s.partition(nodeA, nodeB, true)
	s.partition(nodeA, nodeW, true)
	took := s.until(10*time.Second, "the principal closing the database", func() bool { return !s.serves(nodeA) })
	if !a.s.linkUp || took > 8*time.Second {
		s.fail("the principal closed the database %s after the cut (link up %v), want at its 8 s lease", took, a.s.linkUp)
	}
	if st, w := a.s.State(), a.s.WitnessState(); st != Disconnected || w != WitnessDisconnected {
		s.fail("the principal without quorum reports %s, witness %d; want DISCONNECTED, witness DISCONNECTED", st, w)
	}
	if !a.s.Synced() {
		s.fail("the principal without quorum stopped telling its mirror it is synchronized")
	}
	s.settle()
}

// Principal killed (hard failure), SYNCHRONIZED mirror and witness
// connected: automatic failover in well under 2 seconds.
func TestQuorumPrincipalKilledAutomaticFailover(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeA)
	took := s.until(2*time.Second, "automatic failover", func() bool { return s.serves(nodeB) })
	t.Logf("automatic failover after a kill: %s", took)
	mark := s.now
	s.run(2 * time.Second)
	if s.acksBy(nodeB, mark) == 0 {
		s.fail("the new principal acknowledges nothing")
	}
	s.restart(nodeA) // the former principal comes back as mirror by itself
	s.until(10*time.Second, "the former principal resynchronizing", func() bool {
		return s.nodes[nodeA].role == Mirror && s.nodes[nodeA].s.State() == Synchronized
	})
	s.settle()
}

// Principal silent (a paused process, a cut cable): failover within
// TIMEOUT + 1 s, and only after the principal's lease has ended.
func TestQuorumPrincipalSilentAutomaticFailover(t *testing.T) {
	s := synced(t, true)
	s.partition(nodeA, nodeB, true)
	s.partition(nodeA, nodeW, true)
	took := s.until(11*time.Second, "automatic failover", func() bool { return s.serves(nodeB) })
	t.Logf("automatic failover after the principal went silent: %s", took)
	if s.serves(nodeA) {
		s.fail("both partners serve")
	}
	s.heal()
	s.until(10*time.Second, "the former principal resynchronizing", func() bool {
		return s.nodes[nodeA].role == Mirror && s.nodes[nodeA].s.State() == Synchronized
	})
	s.settle()
}

// TIMEOUT lowered, then the principal silent: the leases it held from
// before end by the new value too (the mirror and the witness judge its
// silence by it), so the mirror's takeover finds them over; and raised,
// a lease from a message sent before does not grow.
func TestQuorumTimeoutChangeBoundsLeases(t *testing.T) {
	s := synced(t, true)
	a := s.nodes[nodeA]
	s.command(nodeA, Command{Kind: CmdTimeout, Timeout: 5})
	if left := a.s.leaseUntil().Sub(s.now); left > 4*time.Second {
		s.fail("after TIMEOUT 5 the principal still holds a lease for %s", left)
	}
	s.run(time.Second) // the mirror and the witness learn the new value
	s.partition(nodeA, nodeB, true)
	s.partition(nodeA, nodeW, true)
	s.until(7*time.Second, "automatic failover", func() bool { return s.serves(nodeB) }) // checkTakeover checks the lease
	s.settle()

	s = synced(t, true)
	a = s.nodes[nodeA]
	lease := a.s.leaseUntil()
	s.partition(nodeA, nodeB, true)
	s.partition(nodeA, nodeW, true)
	s.command(nodeA, Command{Kind: CmdTimeout, Timeout: 30})
	if a.s.leaseUntil().After(lease) {
		s.fail("raising TIMEOUT lengthened the lease from %s to %s", lease.Format("15:04:05.000"), a.s.leaseUntil().Format("15:04:05.000"))
	}
}

// Principal paused (SIGSTOP) past its lease: the mirror takes over; when
// the principal wakes it finds its lease gone, acknowledges nothing it
// still held, and becomes the mirror.
func TestQuorumPrincipalPausedPastLease(t *testing.T) {
	s := synced(t, true)
	s.pause(nodeA, 15*time.Second)
	took := s.until(11*time.Second, "automatic failover", func() bool { return s.serves(nodeB) })
	t.Logf("automatic failover after the principal paused: %s", took)
	s.until(10*time.Second, "the former principal waking as mirror", func() bool {
		return s.nodes[nodeA].role == Mirror && s.nodes[nodeA].s.State() == Synchronized
	})
	s.settle()
}

// Principal lost, but the witness cannot reach the mirror: no failover,
// and service cannot be forced (1406).
func TestQuorumPrincipalLostWitnessAwayFromMirror(t *testing.T) {
	s := synced(t, true)
	s.partition(nodeB, nodeW, true)
	s.run(11 * time.Second) // the witness link times out
	s.crash(nodeA)
	s.run(15 * time.Second)
	if s.nodes[nodeB].role != Mirror {
		s.fail("the mirror took over without the witness")
	}
	s.command(nodeB, Command{Kind: CmdForceService})
	s.run(time.Second)
	if err := s.nodes[nodeB].replies[s.nextCmd]; msgNum(err) != 1406 {
		s.fail("forced service without the witness: %v, want 1406", err)
	}
	s.settle()
}

// Principal lost while the mirror is not synchronized (suspended): no
// automatic failover; forced service with the witness's agreement.
func TestQuorumPrincipalLostMirrorSuspended(t *testing.T) {
	s := synced(t, true)
	s.command(nodeA, Command{Kind: CmdSuspend})
	s.run(time.Second)
	s.crash(nodeA)
	s.run(15 * time.Second)
	if s.nodes[nodeB].role != Mirror {
		s.fail("a suspended mirror took over automatically")
	}
	s.command(nodeB, Command{Kind: CmdForceService})
	s.run(time.Second)
	if err := s.nodes[nodeB].replies[s.nextCmd]; err != nil {
		s.fail("forced service: %v", err)
	}
	if !s.serves(nodeB) || s.nodes[nodeB].s.State() != Suspended {
		s.fail("after forced service B serves %v in state %s; want serving, SUSPENDED", s.serves(nodeB), s.nodes[nodeB].s.State())
	}
	s.restart(nodeA)
	s.until(5*time.Second, "the former principal rejoining", func() bool { return s.nodes[nodeA].role == Mirror })
	s.settle()
}

// SAFETY OFF with a witness: the principal is exposed, so losing it never
// fails over automatically (SPEC §8.3).
func TestQuorumSafetyOffNoAutomaticFailover(t *testing.T) {
	s := synced(t, true)
	s.command(nodeA, Command{Kind: CmdSafety, Safety: SafetyOff})
	s.run(2 * time.Second)
	s.crash(nodeA)
	s.run(15 * time.Second)
	if s.nodes[nodeB].role != Mirror {
		s.fail("automatic failover under SAFETY OFF")
	}
	s.settle()
}

// Witness lost: the partners carry on (partner-to-partner quorum),
// synchronized, acknowledging; then losing the principal fails over to
// nobody.
func TestQuorumWitnessLost(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeW)
	s.run(12 * time.Second)
	mark := s.now
	s.run(3 * time.Second)
	if !s.serves(nodeA) || s.acksBy(nodeA, mark) < 50 || s.nodes[nodeA].s.State() != Synchronized {
		s.fail("partners without the witness: serving %v, %d acks, state %s", s.serves(nodeA), s.acksBy(nodeA, mark), s.nodes[nodeA].s.State())
	}
	s.crash(nodeA)
	s.run(15 * time.Second)
	if s.nodes[nodeB].role != Mirror {
		s.fail("the mirror took over without the witness")
	}
	s.settle()
}

// The partners lose each other but both still see the witness: no
// failover (the witness hears the principal), the principal runs exposed.
func TestQuorumPartnersSplitBothSeeWitness(t *testing.T) {
	s := synced(t, true)
	s.partition(nodeA, nodeB, true)
	s.run(12 * time.Second)
	mark := s.now
	s.run(3 * time.Second)
	if s.nodes[nodeB].role != Mirror || !s.serves(nodeA) || s.acksBy(nodeA, mark) == 0 {
		s.fail("split partners: B %s, A serving %v with %d acks", s.nodes[nodeB].role, s.serves(nodeA), s.acksBy(nodeA, mark))
	}
	s.heal()
	s.until(10*time.Second, "resynchronization", func() bool { return s.nodes[nodeB].s.State() == Synchronized })
	s.settle()
}

// Everyone loses everyone; the principal dies; only mirror and witness
// come back: no failover (SPEC §8.2 rule 3).
func TestQuorumEveryoneLostThenMirrorAndWitness(t *testing.T) {
	s := synced(t, true)
	for _, p := range [][2]int{{nodeA, nodeB}, {nodeA, nodeW}, {nodeB, nodeW}} {
		s.partition(p[0], p[1], true)
	}
	s.run(12 * time.Second)
	s.crash(nodeA)
	s.heal()
	s.run(15 * time.Second)
	if s.nodes[nodeB].role != Mirror {
		s.fail("the mirror took over after everyone had lost contact")
	}
	s.settle()
}

// SPEC §8.2 scenario 1: A fails, B takes over; B fails: the database is
// unavailable; A returns to the witness and may not serve (B owns the
// role); B returns and serves; A resynchronizes.
func TestQuorumScenario1(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeA)
	s.until(2*time.Second, "automatic failover", func() bool { return s.serves(nodeB) })
	s.run(2 * time.Second)
	s.crash(nodeB)
	s.restart(nodeA)
	s.run(15 * time.Second)
	if s.serves(nodeA) {
		s.fail("A serves although B owns the principal role")
	}
	if s.nodes[nodeA].role != Mirror {
		s.fail("A is %s; the witness should have told it B is principal", s.nodes[nodeA].role)
	}
	s.restart(nodeB)
	s.until(5*time.Second, "B serving again", func() bool { return s.serves(nodeB) })
	s.until(10*time.Second, "A resynchronizing", func() bool { return s.nodes[nodeA].s.State() == Synchronized })
	s.settle()
}

// SPEC §8.2 scenario 2: W lost, A and B carry on; A and B lose each
// other: the database goes offline; A reaches W again, which confirms A
// is principal: A serves again.
func TestQuorumScenario2(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeW)
	s.run(12 * time.Second)
	s.partition(nodeA, nodeB, true)
	s.until(12*time.Second, "A going offline", func() bool { return !s.serves(nodeA) })
	if s.nodes[nodeB].role != Mirror {
		s.fail("B took over without the witness")
	}
	s.restart(nodeW)
	s.until(5*time.Second, "A serving again", func() bool { return s.serves(nodeA) })
	s.settle()
}

// A principal whose disk stalls stops acknowledging and falls silent, so
// the mirror takes over (within the timeout and a second).
func TestQuorumStalledDiskLetsFailoverHappen(t *testing.T) {
	s := synced(t, true)
	a := s.nodes[nodeA]
	a.stalled = true
	s.step(a, DiskStalled{Stalled: true})
	mark := s.now
	took := s.until(12*time.Second, "automatic failover", func() bool { return s.serves(nodeB) })
	t.Logf("failover after the principal's disk stalled: %s", took)
	if n := s.acksBy(nodeA, mark.Add(time.Millisecond)); n != 0 {
		s.fail("a principal with a stalled disk acknowledged %d commits", n)
	}
	a.stalled = false
	s.step(a, DiskStalled{Stalled: false})
	s.until(10*time.Second, "A resynchronizing", func() bool {
		return s.nodes[nodeA].role == Mirror && s.nodes[nodeA].s.State() == Synchronized
	})
	s.settle()
}

// Without a witness nothing fails over by itself and a lone principal
// keeps serving (SPEC §8.2 last paragraph).
func TestQuorumNoWitness(t *testing.T) {
	s := synced(t, false)
	s.crash(nodeB)
	s.run(12 * time.Second)
	if !s.serves(nodeA) {
		s.fail("a principal without a witness stopped serving")
	}
	s.restart(nodeB)
	s.crash(nodeA)
	s.run(15 * time.Second)
	if s.nodes[nodeB].role != Mirror {
		s.fail("a mirror without a witness took over")
	}
	s.settle()
}

func msgNum(err error) int {
	if err == nil {
		return 0
	}
	return sqlerr.As(err).Number
}

// forceService runs FORCE_SERVICE_ALLOW_DATA_LOSS on node i and returns
// its answer.
func (s *sim) forceService(i int) error {
	s.command(i, Command{Kind: CmdForceService})
	s.run(time.Second)
	return s.nodes[i].replies[s.nextCmd]
}

// §8.3, mirror lost under SAFETY OFF without a witness: nothing visible,
// the principal never waited for the mirror and goes on at once.
func TestQuorumMirrorLostSafetyOffNoWitness(t *testing.T) {
	s := synced(t, false)
	s.command(nodeA, Command{Kind: CmdSafety, Safety: SafetyOff})
	s.run(time.Second)
	mark := s.now
	s.partition(nodeA, nodeB, true) // silent: only the timeout would tell
	s.run(2 * time.Second)
	if n := s.acksBy(nodeA, mark); n < 50 {
		s.fail("SAFETY OFF principal acknowledged %d commits while its mirror was silent", n)
	}
	s.run(10 * time.Second)
	if st := s.nodes[nodeA].s.State(); st != Disconnected || !s.serves(nodeA) {
		s.fail("principal %s, serving %v; want DISCONNECTED and serving", st, s.serves(nodeA))
	}
	s.heal()
	s.settle()
}

// §8.3, mirror lost under SAFETY FULL without a witness: commits wait
// until the loss is detected (the timeout, for silence), then the
// principal runs exposed.
func TestQuorumMirrorLostSafetyFullNoWitness(t *testing.T) {
	s := synced(t, false)
	s.partition(nodeA, nodeB, true)
	mark := s.now
	s.run(8 * time.Second) // within TIMEOUT 10: blocked
	if n := s.acksBy(nodeA, mark.Add(time.Second)); n != 0 {
		s.fail("%d commits acknowledged before the silent mirror was declared lost", n)
	}
	s.run(5 * time.Second)
	if n := s.acksBy(nodeA, mark.Add(11*time.Second)); n < 20 || s.nodes[nodeA].s.State() != Disconnected {
		s.fail("after detection: %d acks, state %s; want running exposed", n, s.nodes[nodeA].s.State())
	}
	s.heal()
	s.settle()
}

// §8.3, principal lost without a witness, SAFETY FULL or OFF: the mirror
// waits, DISCONNECTED, and service can be forced.
func TestQuorumPrincipalLostNoWitnessForceAllowed(t *testing.T) {
	for _, safety := range []Safety{SafetyFull, SafetyOff} {
		t.Run(safety.String(), func(t *testing.T) {
			s := synced(t, false)
			s.command(nodeA, Command{Kind: CmdSafety, Safety: safety})
			s.run(time.Second)
			s.crash(nodeA)
			s.run(15 * time.Second)
			if s.nodes[nodeB].role != Mirror || s.nodes[nodeB].s.State() != Disconnected {
				s.fail("mirror %s %s; want MIRROR DISCONNECTED", s.nodes[nodeB].role, s.nodes[nodeB].s.State())
			}
			if err := s.forceService(nodeB); err != nil || !s.serves(nodeB) {
				s.fail("forced service: %v (serving %v)", err, s.serves(nodeB))
			}
			s.restart(nodeA)
			s.settle()
		})
	}
}

// §8.3, principal lost under SAFETY OFF with a witness: no automatic
// failover; service can be forced while the mirror sees the witness, and
// not (1406) when it does not.
func TestQuorumSafetyOffForceNeedsWitness(t *testing.T) {
	for _, mirrorSeesWitness := range []bool{true, false} {
		t.Run(map[bool]string{true: "witness connected", false: "witness away"}[mirrorSeesWitness], func(t *testing.T) {
			s := synced(t, true)
			s.command(nodeA, Command{Kind: CmdSafety, Safety: SafetyOff})
			s.run(time.Second)
			if !mirrorSeesWitness {
				s.partition(nodeB, nodeW, true)
				s.run(11 * time.Second)
			}
			s.crash(nodeA)
			s.run(15 * time.Second)
			if s.nodes[nodeB].role != Mirror {
				s.fail("automatic failover under SAFETY OFF")
			}
			err := s.forceService(nodeB)
			if mirrorSeesWitness && (err != nil || !s.serves(nodeB)) {
				s.fail("forced service with the witness: %v (serving %v)", err, s.serves(nodeB))
			}
			if !mirrorSeesWitness && msgNum(err) != 1406 {
				s.fail("forced service without the witness: %v, want 1406", err)
			}
			s.heal()
			s.restart(nodeA)
			s.settle()
		})
	}
}

// A mirror that has just come back (a restarted former principal)
// reaches the witness only after it has synchronized and just after the
// principal paused, so after the witness's last message from it: the
// mirror was in contact with the witness while the principal still
// counted as in contact (its silence had not reached TIMEOUT), so
// failover happens. (Found by the process fault test: the witness
// refused for good, holding that the mirror came back only after the
// principal was lost.)
func TestQuorumRejoinedMirrorThenPrincipalPaused(t *testing.T) {
	s := synced(t, true)
	s.crash(nodeA)
	s.until(5*time.Second, "failover to B", func() bool { return s.serves(nodeB) })
	s.partition(nodeA, nodeW, true)
	s.restart(nodeA)
	s.until(10*time.Second, "A rejoining as a synchronized mirror", func() bool {
		return s.nodes[nodeA].role == Mirror && s.nodes[nodeA].s.State() == Synchronized
	})
	s.pause(nodeB, 20*time.Second)
	s.run(time.Second) // what B sent before reaches the witness
	s.heal()
	s.until(5*time.Second, "A reaching the witness", func() bool {
		return s.nodes[nodeA].s.WitnessState() == WitnessConnected
	})
	took := s.until(12*time.Second, "automatic failover back to A", func() bool { return s.serves(nodeA) })
	t.Logf("failover %s after the pause", took)
	s.settle()
}
