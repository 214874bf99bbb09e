package wire

import (
	"bufio"
	"crypto/tls"

	"github.com/jackc/pgproto3/v2"
)

// negotiateTLS answers an SSLRequest: 'N' without a certificate (or on a
// connection already encrypted), else 'S' and a TLS handshake, after which
// the protocol continues inside TLS. Anything the client sent after its
// SSLRequest and before the handshake is discarded with the old reader, so
// plain-text bytes can never pass for encrypted ones.
func (c *conn) negotiateTLS() error {
	cfg := c.srv.cfg.TLS
	if cfg == nil || c.encrypted {
		if err := c.write([]byte{'N'}); err != nil {
			return err
		}
		return c.flush()
	}
	if err := c.write([]byte{'S'}); err != nil {
		return err
	}
	if err := c.flush(); err != nil {
		return err
	}
	tc := tls.Server(c.nc, cfg)
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.log.Info("wire: TLS handshake failed", "err", err)
		return &connEnd{cause: err}
	}
	c.mu.Lock()
	c.cr = newLimitedChunkReader(tc, c.srv.cfg.MaxMessageSize)
	c.out = &timedWriter{nc: tc}
	c.bw = bufio.NewWriterSize(c.out, 16<<10)
	c.be = pgproto3.NewBackend(c.cr, c.bw)
	c.encrypted = true
	c.mu.Unlock()
	return nil
}
