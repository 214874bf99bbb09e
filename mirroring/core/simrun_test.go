package core

import (
	"flag"
	"fmt"
	"testing"
	"time"
)

var (
	simSeeds = flag.Int("sim.seeds", 0, "random simulations in TestSimulation (default 400, 40 under -race; a soak: 20000)")
	simSeed  = flag.Uint64("sim.seed", 0, "run only this seed of TestSimulation (reproduce a failure)")
	simFirst = flag.Uint64("sim.first", 1, "first seed of TestSimulation (soaks continue where the last one stopped)")
	simFor   = flag.Duration("sim.duration", 2*time.Minute, "simulated time of faults per seed")
	simTrace = flag.Int("sim.trace", 80, "events shown when a simulation fails")
)

// TestSimulationQuiet: with no faults the session serves, synchronizes and
// acknowledges commits.
func TestSimulationQuiet(t *testing.T) {
	s := newSim(t, 1, true)
	s.clients(20 * time.Millisecond)
	s.run(20 * time.Second)
	s.quiet = true // what is in flight arrives
	s.run(time.Second)
	s.checkConverged()
	if len(s.acks) < 500 {
		t.Fatalf("only %d commits acknowledged in 20 s", len(s.acks))
	}
}

// TestSimulation runs the three nodes through random faults — crashes and
// restarts, silent and hard partitions (one-way too), slow messages,
// manual failovers, suspensions, safety and TIMEOUT changes, stalled
// disks — then
// checks that they converge. Every acknowledgement and role switch is
// checked on the way (see sim_test.go).
func TestSimulation(t *testing.T) {
	if *simSeed != 0 {
		runSeed(t, *simSeed)
		return
	}
	seeds := *simSeeds
	if seeds == 0 {
		seeds = 400
		if raceDetector {
			seeds = 40
		}
	}
	// Seeds are independent; they run as parallel subtests, one per core.
	// A failure names its seed: rerun it alone with -sim.seed N.
	for seed := *simFirst; seed < *simFirst+uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runSeed(t, seed)
		})
	}
}

func runSeed(t *testing.T, seed uint64) {
	s := newSim(t, seed, seed%5 != 0) // every fifth session has no witness
	s.clients(20 * time.Millisecond)
	calm := false
	var chaos func()
	chaos = func() {
		if calm {
			return
		}
		s.fault()
		s.at(s.jitter(500*time.Millisecond, 6*time.Second), chaos)
	}
	s.at(time.Second, chaos)
	s.run(*simFor)
	calm = true
	s.settle()
}

// fault injects one random fault.
func (s *sim) fault() {
	switch r := s.rng.IntN(100); {
	case r < 3: // the principal's store reloaded from its WAL
		s.reload(s.rng.IntN(2))
	case r < 15: // a crash, and a restart later
		i := s.rng.IntN(3)
		s.crash(i)
		s.at(s.jitter(200*time.Millisecond, 15*time.Second), func() { s.restart(i) })
	case r < 30: // a silent partition, one-way or both ways
		i := s.rng.IntN(3)
		j := (i + 1 + s.rng.IntN(2)) % 3
		s.partition(i, j, s.rng.IntN(2) == 0)
		s.at(s.jitter(time.Second, 20*time.Second), s.heal)
	case r < 38: // an isolated node
		i := s.rng.IntN(3)
		for j := range s.nodes {
			if j != i {
				s.partition(i, j, true)
			}
		}
		s.at(s.jitter(time.Second, 20*time.Second), s.heal)
	case r < 48: // a reset connection, refused until healed
		i := s.rng.IntN(3)
		j := (i + 1 + s.rng.IntN(2)) % 3
		s.cutHard(i, j)
		s.at(s.jitter(100*time.Millisecond, 10*time.Second), s.heal)
	case r < 58:
		s.heal()
	case r < 70: // manual failover on the principal
		for _, n := range s.nodes[:2] {
			if n.alive && n.role == Principal {
				s.command(n.id, Command{Kind: CmdFailover})
			}
		}
	case r < 76:
		s.command(s.rng.IntN(2), Command{Kind: CmdSuspend})
	case r < 84:
		s.command(s.rng.IntN(2), Command{Kind: CmdResume})
	case r < 87: // TIMEOUT changed on the principal (leases follow it)
		for _, n := range s.nodes[:2] {
			if n.alive && n.role == Principal {
				s.command(n.id, Command{Kind: CmdTimeout, Timeout: 5 + s.rng.IntN(11)})
			}
		}
	case r < 90:
		safety := SafetyFull
		if s.rng.IntN(2) == 0 {
			safety = SafetyOff
		}
		for _, n := range s.nodes[:2] {
			if n.alive && n.role == Principal {
				s.command(n.id, Command{Kind: CmdSafety, Safety: safety})
			}
		}
	case r < 95: // a disk stalls past the timeout, then recovers
		n := s.nodes[s.rng.IntN(2)]
		if n.alive && !n.stalled {
			n.stalled = true
			s.logf("%s: disk stalled", n.name)
			s.freshen(n)
			s.step(n, DiskStalled{Stalled: true})
			s.at(s.jitter(time.Second, 15*time.Second), func() {
				if n.alive && n.stalled {
					n.stalled = false
					s.logf("%s: disk recovered", n.name)
					s.freshen(n)
					s.step(n, DiskStalled{Stalled: false})
				}
			})
		}
	default: // a paused process (SIGSTOP … SIGCONT): silence, then it wakes up
		s.pause(s.rng.IntN(3), s.jitter(time.Second, 16*time.Second))
	}
}
