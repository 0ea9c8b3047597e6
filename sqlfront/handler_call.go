package sqlfront

import (
	"strings"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
)

// A CALL that returns a result set ends, in MySQL, with one more packet:
// the result set's end carries SERVER_MORE_RESULTS_EXISTS and an OK
// packet follows (the status of the CALL itself). Clients written against
// MySQL count on it: node's mysql2 returns [[rows], ResultSetHeader] for a
// CALL. vitess writes one result per statement, and more only between the
// statements of a multi-statement query: so after a CALL's result set the
// handler returns callEndMarker as the rest of the query, vitess marks the
// result set's end with more results and hands the marker back, and
// endCall answers it with the OK packet (with more results again when the
// client's query had statements after the CALL).
//
// A prepared CALL (COM_STMT_EXECUTE) is one statement to vitess, which
// writes the result set's end with the connection's status flags once
// the handler returns: the handler adds SERVER_MORE_RESULTS_EXISTS to
// them, and the connection guard writes the OK packet right after the
// end (in the same write, numbered after it), or at the latest before it
// reads the client's next command, then takes the flag away again.

// callEndMarker is the rest of a query after a CALL's result set. No
// client text reaches ComMultiQuery as a rest: vitess passes back only
// what the handler returned.
const callEndMarker = "\x00lastaccess: the OK packet after a CALL's results\x00"

// callEnd is a CALL whose result set went to the client and whose OK
// packet has not.
type callEnd struct {
	rest string // the client's statements after the CALL
}

// resultWatch passes results on and notes whether a result set (rows
// with columns) went to the client.
type resultWatch struct {
	callback mysql.ResultSpoolFn
	rows     bool
}

func (w *resultWatch) spool(r *sqltypes.Result, more bool) error {
	if len(r.Fields) > 0 {
		w.rows = true
	}
	return w.callback(r, more)
}

// callResultsEnd returns the rest of the query after a statement that
// sent a result set: callEndMarker when it was a CALL and the client
// takes multiple results.
func (h *handler) callResultsEnd(c *mysql.Conn, query, rest string) string {
	gc := guardOf(c)
	if gc == nil || !gc.clientMultiResults || firstKeyword(query) != "call" {
		return rest
	}
	gc.callEnd = &callEnd{rest: rest}
	return callEndMarker
}

// endCall writes the OK packet that ends a CALL when query is the
// marker; ok says whether it was.
func (h *handler) endCall(c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (rest string, ok bool, err error) {
	gc := guardOf(c)
	if gc == nil || gc.callEnd == nil {
		return "", false, nil
	}
	end := gc.callEnd
	gc.callEnd = nil
	if query != callEndMarker {
		return "", false, nil
	}
	return end.rest, true, callback(&sqltypes.Result{}, end.rest != "")
}

// firstKeyword is the first word of a statement, lower case, after
// blanks and comments.
func firstKeyword(query string) string {
	s := strings.TrimLeft(skipComments(query), "(")
	end := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
	})
	if end < 0 {
		end = len(s)
	}
	return strings.ToLower(s[:end])
}

// skipComments drops the blanks and comments a statement starts with.
func skipComments(query string) string {
	s := query
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		var end int
		switch {
		case strings.HasPrefix(s, "/*"):
			end = strings.Index(s, "*/")
			if end >= 0 {
				end += 2
			}
		case strings.HasPrefix(s, "-- "), strings.HasPrefix(s, "#"):
			end = strings.IndexByte(s, '\n')
		default:
			return s
		}
		if end < 0 {
			return ""
		}
		s = s[end:]
	}
}

// binaryCallEnd is the OK packet owed after a prepared CALL's result set.
type binaryCallEnd struct {
	status  uint16 // the connection's status flags, without more results
	restore func() // takes SERVER_MORE_RESULTS_EXISTS off the connection
}

// owePreparedCallEnd marks a prepared CALL that sent a result set: its
// end says more results follow, and the guard owes the OK packet.
func (h *handler) owePreparedCallEnd(c *mysql.Conn, query string) {
	gc := guardOf(c)
	if gc == nil || !gc.clientMultiResults || firstKeyword(query) != "call" || c.StatusFlags&mysql.ServerCursorExists != 0 {
		return
	}
	status := c.StatusFlags
	c.StatusFlags |= mysql.ServerMoreResultsExists
	gc.binaryCallEnd = &binaryCallEnd{status: status, restore: func() { c.StatusFlags = status }}
}

// appendCallEnd adds the OK packet owed after a prepared CALL to what
// vitess writes, when that ends with the result set's end: a packet that
// starts with 0xFE and is shorter than 9 bytes (a binary row starts with
// 0x00).
func (c *guardedConn) appendCallEnd(p []byte) ([]byte, bool) {
	m := c.out
	m.onHead = nil
	if _, over := m.feed(p); over || !m.packetDone() || m.firstByte != 0xfe || m.total >= 9 {
		return nil, false
	}
	end := c.binaryCallEnd
	c.binaryCallEnd = nil
	end.restore()
	return append(p[:len(p):len(p)], okPacket(m.lastSeq+1, end.status)...), true
}

// endBinaryCall writes the OK packet owed after a prepared CALL, if any.
func (c *guardedConn) endBinaryCall() error {
	end := c.binaryCallEnd
	if end == nil {
		return nil
	}
	c.binaryCallEnd = nil
	end.restore()
	_, err := c.Write(okPacket(c.out.lastSeq+1, end.status))
	return err
}
