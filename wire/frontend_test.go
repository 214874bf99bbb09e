package wire

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/jackc/pgproto3/v2"
)

// TestFrontendMessagesMatchPgproto3 decodes messages, whole and cut short
// or padded, with frontendMessages and with pgproto3's Backend: both must
// accept the same ones and decode them alike, and a reused message must
// not keep anything of the one before.
func TestFrontendMessagesMatchPgproto3(t *testing.T) {
	msgs := []pgproto3.FrontendMessage{
		&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "P_0", ParameterFormatCodes: []int16{1, 0},
			Parameters: [][]byte{[]byte("12"), nil, {}}, ResultFormatCodes: []int16{1}},
		&pgproto3.Bind{PreparedStatement: "P_0", Parameters: [][]byte{[]byte("7")}},
		&pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Describe{ObjectType: 'S', Name: "P_0"},
		&pgproto3.Execute{Portal: "p", MaxRows: 10},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
		&pgproto3.Parse{Name: "s", Query: "select 1", ParameterOIDs: []uint32{23}},
		&pgproto3.Query{String: "select 1"},
		&pgproto3.Close{ObjectType: 'P', Name: "p"},
		&pgproto3.Flush{},
		&pgproto3.Terminate{},
	}
	var f frontendMessages
	for _, m := range msgs {
		whole, err := m.Encode(nil)
		if err != nil {
			t.Fatal(err)
		}
		variants := [][]byte{whole, append(append([]byte(nil), whole...), 0)}
		for cut := 1; cut < len(whole)-5; cut++ {
			v := append([]byte(nil), whole[:len(whole)-cut]...)
			v[1], v[2], v[3], v[4] = 0, 0, 0, byte(len(v)-1) // bodies here are short
			variants = append(variants, v)
		}
		variants[1][4]++
		for _, raw := range variants {
			want, werr := pgproto3.NewBackend(pgproto3.NewChunkReader(bytes.NewReader(raw)), nil).Receive()
			got, gerr := f.next(newLimitedChunkReader(bytes.NewReader(raw), 1<<20))
			if (werr != nil) != (gerr != nil) {
				t.Errorf("%T % x: pgproto3 says %v, frontendMessages %v", m, raw, werr, gerr)
				continue
			}
			if werr == nil && !reflect.DeepEqual(normal(want), normal(got)) {
				t.Errorf("%T % x: pgproto3 decodes %+v, frontendMessages %+v", m, raw, want, got)
			}
		}
	}
}

// normal is a Bind with empty slices as nil, the only difference allowed.
func normal(m pgproto3.FrontendMessage) pgproto3.FrontendMessage {
	b, ok := m.(*pgproto3.Bind)
	if !ok {
		return m
	}
	c := *b
	for _, s := range []*[]int16{&c.ParameterFormatCodes, &c.ResultFormatCodes} {
		if len(*s) == 0 {
			*s = nil
		}
	}
	if len(c.Parameters) == 0 {
		c.Parameters = nil
	}
	return &c
}
