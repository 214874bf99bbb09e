package wire

import (
	"net"
	"time"
)

// writeChunk is the most timedWriter hands the socket at once: each
// chunk must leave within the timeout.
const writeChunk = 64 << 10

// timedWriter is the socket (or the TLS connection on it) under a
// connection's output buffer. With a timeout set, every chunk written must
// be taken by the client within it, or the write fails and the
// connection ends: a client that stops reading a result cannot hold its
// statement, and the session's resources, for ever. A zero timeout leaves
// deadlines alone (during startup, StartupTimeout's deadline applies).
//
// Moving the socket's deadline costs a timer update, once per round trip
// otherwise; so the deadline is moved only when less than 7/8 of the
// timeout is left (or more than all of it: the timeout was shortened),
// which gives each chunk between 7/8 of the timeout and all of it.
type timedWriter struct {
	nc       net.Conn
	timeout  time.Duration
	deadline time.Time // the socket's write deadline, as last set
}

func (w *timedWriter) Write(p []byte) (int, error) {
	if w.timeout <= 0 {
		return w.nc.Write(p)
	}
	n := 0
	for n < len(p) {
		now := time.Now()
		if left := w.deadline.Sub(now); left < w.timeout-w.timeout/8 || left > w.timeout {
			w.deadline = now.Add(w.timeout)
			_ = w.nc.SetWriteDeadline(w.deadline)
		}
		m, err := w.nc.Write(p[n:min(len(p), n+writeChunk)])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
