package sqlfront

import (
	"bytes"
	"crypto/sha1"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// setGlobal sets a global system variable as the admin and sets it back
// when the test ends.
func setGlobal(t *testing.T, admin *sql.DB, name string, value any) {
	t.Helper()
	var old string
	if err := admin.QueryRow("SELECT @@global." + name).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(fmt.Sprintf("SET GLOBAL %s = %v", name, value)); err != nil {
		t.Fatalf("SET GLOBAL %s = %v: %v", name, value, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(fmt.Sprintf("SET GLOBAL %s = %s", name, old)); err != nil {
			t.Errorf("SET GLOBAL %s back to %s: %v", name, old, err)
		}
	})
}

// ingestN stores n generated events (ids from first on) through
// ingest_events.
func ingestN(t *testing.T, admin *sql.DB, first, n int) {
	t.Helper()
	var b strings.Builder
	for i := first; i < first+n; i++ {
		b.WriteString(testRecord(eventID(i), "111122223333", time.Date(2019, 6, 1, 0, 0, i%60, 0, time.UTC).Add(time.Duration(i)*time.Minute).Format(time.RFC3339)))
		b.WriteByte('\n')
	}
	var records, events, ingested, dups, skipped, malformed int64
	var reasons, unknown string
	if err := admin.QueryRow("CALL ingest_events(?)", b.String()).Scan(&records, &events, &ingested, &dups, &skipped, &malformed, &reasons, &unknown); err != nil {
		t.Fatal(err)
	}
	if events != int64(n) {
		t.Fatalf("ingest_events: %d events of %d records", events, records)
	}
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not after %s", what, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// running counts the statements in the process list whose text starts
// with prefix.
func running(t *testing.T, admin *sql.DB, prefix string) int {
	t.Helper()
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE ?", prefix+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rawConn is a TCP connection speaking the MySQL protocol by hand.
type rawConn struct {
	t *testing.T
	net.Conn
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, Conn: c}
}

// readPacket reads one packet: its sequence number and payload.
func (c *rawConn) readPacket(timeout time.Duration) (byte, []byte, error) {
	c.SetReadDeadline(time.Now().Add(timeout))
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	body := make([]byte, n)
	_, err := io.ReadFull(c, body)
	return hdr[3], body, err
}

// serverVersion is the version string of a handshake packet.
func serverVersion(t *testing.T, handshake []byte) string {
	t.Helper()
	if len(handshake) < 2 || handshake[0] != 10 {
		t.Fatalf("not a handshake v10: % x", handshake[:min(len(handshake), 16)])
	}
	end := bytes.IndexByte(handshake[1:], 0)
	return string(handshake[1 : 1+end])
}

// errPacket decodes an ERR packet: its code and message.
func errPacket(t *testing.T, p []byte) (uint16, string) {
	t.Helper()
	if len(p) < 9 || p[0] != 0xff {
		t.Fatalf("not an error packet: % x", p[:min(len(p), 16)])
	}
	return binary.LittleEndian.Uint16(p[1:3]), string(p[9:])
}

// closedWithin reads from c until the server closes it or timeout passes;
// it reports whether it closed and how long that took.
func (c *rawConn) closedWithin(timeout time.Duration) (bool, time.Duration) {
	start := time.Now()
	c.SetReadDeadline(start.Add(timeout))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, time.Since(start)
	}
	return true, time.Since(start)
}

// Client capability flags of a raw login.
const (
	rawLongPassword    = 1 << 0
	rawConnectWithDB   = 1 << 3
	rawProtocol41      = 1 << 9
	rawInteractive     = 1 << 10
	rawTransactions    = 1 << 13
	rawSecureConn      = 1 << 15
	rawMultiStatements = 1 << 16
	rawMultiResults    = 1 << 17
	rawPluginAuth      = 1 << 19
)

// login authenticates a raw connection with mysql_native_password and
// returns after the server's OK packet.
func (c *rawConn) login(user, password string, flags uint32) {
	c.t.Helper()
	if err := c.tryLogin(user, password, flags); err != nil {
		c.t.Fatal(err)
	}
}

// tryLogin is login for goroutines other than the test's.
func (c *rawConn) tryLogin(user, password string, flags uint32) error {
	_, hs, err := c.readPacket(5 * time.Second)
	if err != nil {
		return err
	}
	if len(hs) < 40 || hs[0] != 10 {
		return fmt.Errorf("not a handshake: % x", hs[:min(len(hs), 32)])
	}
	pos := 1 + bytes.IndexByte(hs[1:], 0) + 1 + 4
	salt := append([]byte{}, hs[pos:pos+8]...)
	pos += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10
	salt = append(salt, hs[pos:pos+12]...)

	flags |= rawLongPassword | rawProtocol41 | rawSecureConn | rawPluginAuth | rawConnectWithDB | rawTransactions
	var p []byte
	p = binary.LittleEndian.AppendUint32(p, flags)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 33) // utf8_general_ci
	p = append(p, make([]byte, 23)...)
	p = append(append(p, user...), 0)
	scramble := nativeScramble(password, salt)
	p = append(append(p, byte(len(scramble))), scramble...)
	p = append(append(p, DatabaseName...), 0)
	p = append(append(p, "mysql_native_password"...), 0)
	if err := c.write(1, p); err != nil {
		return err
	}
	_, ok, err := c.readPacket(5 * time.Second)
	if err != nil || len(ok) == 0 || ok[0] != 0 {
		return fmt.Errorf("login as %s: % x %v", user, ok, err)
	}
	return nil
}

// nativeScramble is mysql_native_password's answer to salt.
func nativeScramble(password string, salt []byte) []byte {
	if password == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(password))
	h2 := sha1.Sum(h1[:])
	h3 := sha1.Sum(append(append([]byte{}, salt...), h2[:]...))
	out := make([]byte, len(h1))
	for i := range out {
		out[i] = h1[i] ^ h3[i]
	}
	return out
}

func (c *rawConn) writePacket(seq byte, body []byte) {
	c.t.Helper()
	if err := c.write(seq, body); err != nil {
		c.t.Fatal(err)
	}
}

func (c *rawConn) write(seq byte, body []byte) error {
	hdr := []byte{byte(len(body)), byte(len(body) >> 8), byte(len(body) >> 16), seq}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.Write(append(hdr, body...))
	return err
}

// query sends COM_QUERY.
func (c *rawConn) query(q string) error {
	return c.write(0, append([]byte{3}, q...))
}

// packets reads packets until the server has said all it will for now
// (no packet within wait).
func (c *rawConn) packets(wait time.Duration) [][]byte {
	var out [][]byte
	for {
		_, p, err := c.readPacket(wait)
		if err != nil {
			return out
		}
		out = append(out, p)
	}
}
