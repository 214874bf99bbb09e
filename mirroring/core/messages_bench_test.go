package core

import "testing"

// BenchmarkHotMessages: what encoding and decoding the two messages sent
// per shipped block (a log block's head with one record, and the mirror's
// acknowledgement) costs, on one side each.
func BenchmarkHotMessages(b *testing.B) {
	h := Header{DB: "Bench", GUID: "6f1c0b0e-3c1e-4a57-9a43-5a8d0d5e2f11", RoleSeq: 3, From: Principal, Seq: 123456, Echo: 123450}
	rec := make([]byte, 120)
	msgs := []struct {
		name string
		m    Message
	}{
		{"logblock", &LogBlock{Header: h, Records: [][]byte{rec}, Durable: 987654, Synchronized: true}},
		{"ack", &Ack{Header: h, Hardened: 987654}},
	}
	for _, x := range msgs {
		b.Run(x.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				k, p := Encode(x.m)
				if _, err := Decode(k, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
