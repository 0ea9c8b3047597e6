package awsfront

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLimits: an idle keep-alive connection is closed after IdleTimeout;
// a client that sends its header or body too slowly is cut off; a body
// of exactly the limit is read, one byte more (with or without a
// Content-Length) is refused.
func TestLimits(t *testing.T) {
	ts := startServerWith(t, serverConfig{opts: Options{
		IdleTimeout: 300 * time.Millisecond, ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 600 * time.Millisecond,
	}})
	addr := strings.TrimPrefix(ts.url, "http://")
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	// closedWithin: the server closes the connection (EOF, or after one
	// final response) within d.
	closedWithin := func(conn net.Conn, d time.Duration) bool {
		conn.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, conn)
		return err == nil // EOF: closed by the server; a timeout is an error
	}

	// Idle after a request.
	conn := dial()
	req := formRequest(t, ts.url, "Action=ListGroups&Version=2010-05-08", adminKey)
	var wire bytes.Buffer
	req.Write(&wire)
	conn.Write(wire.Bytes())
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("request: %v %v", err, resp)
	}
	io.Copy(io.Discard, resp.Body)
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
	if idle := time.Since(start); idle > 3*time.Second {
		t.Fatalf("idle connection closed after %v", idle)
	}

	// A header that never ends.
	conn = dial()
	conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nX-Slow: "))
	if !closedWithin(conn, 5*time.Second) {
		t.Fatal("a slow header held the connection")
	}

	// A body that never ends.
	conn = dial()
	conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=Li"))
	if !closedWithin(conn, 5*time.Second) {
		t.Fatal("a slow body held the connection")
	}

	c := client(t)
	prefix := "Action=ListUsers&Version=2010-05-08&Marker="
	exact := prefix + strings.Repeat("a", DefaultMaxBodyBytes-len(prefix))
	if e := errorOf(t, post(t, c, ts.url, exact, adminKey)); e.Error.Code != "ValidationError" || !strings.Contains(e.Error.Message, "at 'marker'") {
		t.Fatalf("a body of exactly 1 MiB: %+v (want the engine's marker check)", e)
	}
	if e := errorOf(t, post(t, c, ts.url, exact+"a", adminKey)); e.Error.Code != "ValidationError" || !strings.Contains(e.Error.Message, "1048576 bytes") {
		t.Fatalf("a body of 1 MiB + 1: %+v", e)
	}
	chunked := formRequest(t, ts.url, exact+"a", adminKey)
	chunked.ContentLength = -1 // sent chunked
	chunked.Body = io.NopCloser(strings.NewReader(exact + "a"))
	if r := do(t, c, chunked); r.status != 400 || !strings.Contains(errorOf(t, r).Error.Message, "1048576 bytes") {
		t.Fatalf("a chunked body over 1 MiB: %d %s", r.status, r.body)
	}
}
