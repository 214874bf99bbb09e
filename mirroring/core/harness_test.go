package core

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

// node is a partner in the test harness: a Session plus a fake database
// whose log is a counter, and the driver's side of every action.
type node struct {
	name      string
	s         *Session
	end       LSN // the database's log end
	role      Role
	gate      Gate
	blocked   bool
	shipFrom  LSN // 0: not shipping
	persisted Config
	removed   bool
	replies   map[uint64]error
	forks     int
	undos     []LSN
	states    []State
	env       *env
	// acked is the highest LSN whose commit the principal acknowledged
	// (commits are acknowledged in order, when the gate lets them pass).
	acked   LSN
	serving bool
}

// env is two nodes, a link between them and a clock.
type env struct {
	t       *testing.T
	now     time.Time
	a, b    *node
	up      bool
	queue   []delivery
	nextCmd uint64
}

type delivery struct {
	to  *node
	msg Message
}

func newEnv(t *testing.T, aCfg Config, aEnd LSN, bCfg Config, bEnd LSN) *env {
	e := &env{t: t, now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	e.a = &node{name: "A", end: aEnd, role: aCfg.Role, replies: map[uint64]error{}, env: e}
	e.b = &node{name: "B", end: bEnd, role: bCfg.Role, replies: map[uint64]error{}, env: e}
	e.a.s = NewSession(aCfg, aEnd, e.now)
	e.b.s = NewSession(bCfg, bEnd, e.now)
	return e
}

// session returns matching principal and mirror configurations.
func sessionConfigs() (Config, Config) {
	base := Config{Database: "db", GUID: "guid-1", RoleSeq: 1, Safety: SafetyFull, SafetySeq: 1, Timeout: 10}
	p, m := base, base
	p.Role, p.Partner = Principal, "TCP://b:7022"
	m.Role, m.Partner = Mirror, "TCP://a:7022"
	return p, m
}

func (e *env) other(n *node) *node {
	if n == e.a {
		return e.b
	}
	return e.a
}

// step feeds an event to a node and carries out its actions.
func (e *env) step(n *node, ev Event) {
	e.t.Helper()
	if n.removed {
		return
	}
	for _, a := range n.s.Step(ev) {
		e.do(n, a)
	}
	for n.role == Principal && n.acked < n.end && !n.waits(n.acked+1) {
		n.acked++ // acknowledged to the client now
	}
}

func (e *env) do(n *node, a Action) {
	switch x := a.(type) {
	case Send:
		if e.up {
			e.queue = append(e.queue, delivery{to: e.other(n), msg: roundTrip(e.t, x.Msg)})
		}
	case Persist:
		n.persisted = x.Config
	case Remove:
		n.removed = true
	case SetRole:
		n.role = x.Role
		if x.Role == Mirror {
			e.step(n, Demoted{End: n.end}) // as the driver answers
		}
	case Ship:
		n.shipFrom = x.From
	case Apply:
		for _, r := range x.Records {
			lsn := binary.BigEndian.Uint64(r)
			if lsn == n.end+1 {
				n.end = lsn
			} else if lsn > n.end+1 {
				e.t.Fatalf("%s: record %d applied after %d (gap)", n.name, lsn, n.end)
			}
		}
		e.step(n, Hardened{LSN: n.end})
	case Gate:
		n.gate = x
	case BlockWrites:
		n.blocked = x.Block
		if x.Block {
			e.step(n, WritesBlocked{End: n.end})
		}
	case Undo:
		n.undos = append(n.undos, x.To)
		n.end = x.To
		e.step(n, Undone{LSN: x.To})
	case NewFork:
		n.forks++
	case DropLink:
		e.cut()
	case Reply:
		n.replies[x.ID] = x.Err
	case StateChanged:
		n.states = append(n.states, x.To)
	case Serve:
		n.serving = x.On
	default:
		e.t.Fatalf("unexpected action %T", a)
	}
}

// roundTrip encodes and decodes a message, as the wire would.
func roundTrip(t *testing.T, m Message) Message {
	kind, p := Encode(m)
	out, err := Decode(kind, p)
	if err != nil {
		t.Fatalf("decode %T: %v", m, err)
	}
	return out
}

// connect brings the link up on both sides.
func (e *env) connect() {
	e.up = true
	e.step(e.a, LinkUp{})
	e.step(e.b, LinkUp{})
	e.settle()
}

// cut takes the link down (a hard error seen by both sides).
func (e *env) cut() {
	if !e.up {
		return
	}
	e.up = false
	e.queue = nil
	e.step(e.a, LinkDown{Reason: "cut"})
	e.step(e.b, LinkDown{Reason: "cut"})
}

// settle delivers messages and ships log until nothing moves.
func (e *env) settle() {
	for i := 0; i < 10000; i++ {
		moved := false
		for _, n := range []*node{e.a, e.b} {
			if n.shipFrom > 0 && n.shipFrom <= n.end && e.up && n.role == Principal {
				var recs [][]byte
				for l := n.shipFrom; l <= n.end; l++ {
					recs = append(recs, binary.BigEndian.AppendUint64(nil, l))
				}
				n.shipFrom = n.end + 1
				e.queue = append(e.queue, delivery{to: e.other(n), msg: roundTrip(e.t, &LogBlock{
					Header: n.s.header(), Records: recs, Durable: n.end, Synchronized: n.s.synced})})
				moved = true
			}
		}
		if len(e.queue) > 0 {
			d := e.queue[0]
			e.queue = e.queue[1:]
			e.step(d.to, Received{Msg: d.msg})
			moved = true
		}
		if !moved {
			return
		}
	}
	e.t.Fatal("the partners never settled")
}

// commit writes n transactions on a principal node (unless writes are
// blocked) and returns whether each would be acknowledged now.
func (e *env) commit(n *node, count int) {
	e.t.Helper()
	if n.blocked || n.role != Principal {
		e.t.Fatalf("%s cannot commit (blocked %v, role %v)", n.name, n.blocked, n.role)
	}
	for i := 0; i < count; i++ {
		n.end++
		e.step(n, Durable{LSN: n.end})
	}
}

// waits reports whether a commit at lsn would wait at the gate.
func (n *node) waits(lsn LSN) bool { return !n.gate.Lets(lsn, n.env.now) }

func (e *env) tick(d time.Duration) {
	e.now = e.now.Add(d)
	e.step(e.a, Tick{Now: e.now})
	e.step(e.b, Tick{Now: e.now})
	e.settle()
}

func (e *env) command(n *node, c Command) error {
	e.nextCmd++
	c.ID = e.nextCmd
	e.step(n, c)
	e.settle()
	err, ok := n.replies[c.ID]
	if !ok {
		return fmt.Errorf("no reply yet")
	}
	return err
}

func (e *env) wantState(n *node, want State) {
	e.t.Helper()
	if got := n.s.State(); got != want {
		e.t.Fatalf("%s (%s, role seq %d): state %s, want %s", n.name, n.s.cfg.Role, n.s.cfg.RoleSeq, got, want)
	}
}
