package sqlfront

import (
	"bytes"
	"fmt"
	"testing"
)

// meterRun feeds a client's byte stream to a packet meter in chunks of
// the given size and says what it saw: the packet heads, where it
// stopped for a packet over the limit, the last sequence number.
func meterRun(stream []byte, chunk int, limit int64) string {
	var heads []string
	m := packetMeter{limit: limit, onHead: func(packet int, head []byte, length int64) bool {
		heads = append(heads, fmt.Sprintf("%d:%x:%d", packet, head, length))
		return len(head) == packetHeadLen && head[0] == 0xEE // a command the test refuses
	}}
	pos := 0
	for pos < len(stream) {
		end := min(pos+chunk, len(stream))
		used, over := m.feed(stream[pos:end])
		pos += used
		if over {
			return fmt.Sprintf("heads %v, refused at byte %d, seq %d", heads, pos, m.lastSeq)
		}
	}
	return fmt.Sprintf("heads %v, read %d, seq %d, between packets %v", heads, pos, m.lastSeq, m.packetDone())
}

// packet frames body as one MySQL packet (frames of at most 2^24-1).
func packet(seq byte, body []byte) []byte {
	var out []byte
	for {
		n := min(len(body), maxFrameLen)
		out = append(out, byte(n), byte(n>>8), byte(n>>16), seq)
		out = append(out, body[:n]...)
		body = body[n:]
		seq++
		if n < maxFrameLen {
			return out
		}
	}
}

// TestPacketMeter: the meter finds the same heads and the same packet
// over the limit however the stream arrives.
func TestPacketMeter(t *testing.T) {
	stream := bytes.Join([][]byte{
		packet(1, []byte{0x85, 0xa6, 0x3f, 0x20, 0, 0, 0, 1}), // a handshake response
		packet(0, []byte{0x03, 'S', 'E', 'L'}),                // COM_QUERY
		packet(0, []byte{0x19, 7, 0, 0, 0}),                   // COM_STMT_CLOSE 7
		packet(0, nil),                                        // an empty packet
		packet(0, bytes.Repeat([]byte{0x03}, 100)),
		packet(0, []byte{0xEE, 1, 2, 3, 4, 5}), // refused by the test's onHead
	}, nil)
	want := meterRun(stream, len(stream), 1000)
	for _, chunk := range []int{1, 2, 3, 4, 5, 7, 64} {
		if got := meterRun(stream, chunk, 1000); got != want {
			t.Fatalf("chunks of %d: %s\nwhole: %s", chunk, got, want)
		}
	}
	if over := meterRun(stream, 3, 50); !bytes.Contains([]byte(over), []byte("refused at byte")) {
		t.Fatalf("a 100-byte packet under a 50-byte limit: %s", over)
	}
	// A packet over 16 MiB: its frames count together.
	big := packet(0, make([]byte, maxFrameLen+10))
	if got := meterRun(big, 1<<20, maxFrameLen); !bytes.Contains([]byte(got), []byte("refused")) {
		t.Fatalf("a two-frame packet over the limit: %s", got)
	}
	if got := meterRun(big, 1<<20, maxFrameLen+10); bytes.Contains([]byte(got), []byte("refused")) || !bytes.Contains([]byte(got), []byte("seq 1, between packets true")) {
		t.Fatalf("a two-frame packet within the limit: %s", got)
	}
}

// FuzzPacketMeter: however a stream is cut into reads, the meter sees the
// same thing.
func FuzzPacketMeter(f *testing.F) {
	f.Add(packet(0, []byte{0x19, 1, 0, 0, 0}), uint8(1), uint16(100))
	f.Add(append(packet(1, []byte{1, 2, 3, 4}), packet(0, nil)...), uint8(3), uint16(2))
	f.Add([]byte{0xff, 0xff, 0xff, 0, 1, 2}, uint8(2), uint16(0))
	f.Fuzz(func(t *testing.T, stream []byte, chunk uint8, limit uint16) {
		c := int(chunk%16) + 1
		l := int64(limit) + 1
		if got, want := meterRun(stream, c, l), meterRun(stream, len(stream)+1, l); got != want {
			t.Fatalf("in chunks of %d: %s\nwhole: %s", c, got, want)
		}
	})
}
