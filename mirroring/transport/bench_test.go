package transport

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkSend measures pipelined one-way throughput of messages
// between two endpoints on loopback (messages share flushes and system
// calls; Send never waits for the peer), over TLS (ENCRYPTION = REQUIRED)
// and in clear (DISABLED), to show what encryption costs.
func BenchmarkSend(b *testing.B) {
	for _, enc := range []string{EncryptionRequired, EncryptionDisabled} {
		for _, size := range []int{64, 4096, 64 << 10} {
			b.Run(enc+"/"+byteSize(size), func(b *testing.B) { benchmarkSend(b, enc, size) })
		}
	}
}

func benchmarkSend(b *testing.B, encryption string, size int) {
	var got atomic.Int64
	done := make(chan struct{})
	want := int64(b.N)
	a, r := benchPair(b, func(c *Config) {
		c.Encryption = encryption
		c.Handler = func(*Peer, byte, []byte) {
			if got.Add(1) == want {
				close(done)
			}
		}
	})
	p, err := a.Dial(context.Background(), r.Identity().Address)
	if err != nil {
		b.Fatal(err)
	}
	if p.Info().Encrypted != (encryption != EncryptionDisabled) {
		b.Fatalf("ENCRYPTION = %s, but Encrypted is %v", encryption, p.Info().Encrypted)
	}
	payload := make([]byte, size)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for range b.N {
		if err := p.Send('m', payload); err != nil {
			b.Fatal(err)
		}
	}
	<-done
}

// BenchmarkHandshake measures connecting: dial, handshake (TLS 1.3 when
// encrypted) and close.
func BenchmarkHandshake(b *testing.B) {
	for _, enc := range []string{EncryptionRequired, EncryptionDisabled} {
		b.Run(enc, func(b *testing.B) {
			a, r := benchPair(b, func(c *Config) { c.Encryption = enc })
			for range b.N {
				p, err := a.Dial(context.Background(), r.Identity().Address)
				if err != nil {
					b.Fatal(err)
				}
				p.Close()
				<-p.Done()
			}
		})
	}
}

// benchPair starts two endpoints, closed at the end of the benchmark;
// tweak adjusts the configuration of both.
func benchPair(b *testing.B, tweak func(*Config)) (a, r *Endpoint) {
	start := func(addr, id string) *Endpoint {
		cfg := Config{Identity: Identity{InstanceID: id}, Role: RoleAll, Logger: slog.New(slog.DiscardHandler)}
		tweak(&cfg)
		e, err := Listen(addr, cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { e.Close() })
		return e
	}
	return start("127.0.0.1:0", idA), start("127.0.0.2:0", idB)
}

func byteSize(n int) string {
	if n >= 1024 {
		return strconv.Itoa(n/1024) + "KiB"
	}
	return strconv.Itoa(n) + "B"
}
