package sqlfront

import (
	"encoding/binary"
	"strings"

	"github.com/dolthub/vitess/go/mysql"
)

// max_prepared_stmt_count bounds the prepared statements of all
// connections together (issue 17 row 10: 150 000 never closed on one
// connection were all kept, ≈ 2.3 KB each). The guard counts them
// exactly: a COM_STMT_PREPARE that succeeded adds its id, the
// COM_STMT_CLOSE the guard sees arrive (vitess closes a statement without
// telling the handler) removes it, a PREPARE or DEALLOCATE PREPARE that
// succeeded adds or removes its name, and a closed connection takes its
// own away.

// The commands about prepared statements the guard follows.
const (
	comStmtSendLongData = 0x18
	comStmtExecute      = 0x17
	comStmtClose        = 0x19
	comStmtReset        = 0x1a
)

// packetHead sees the start of each packet the client sends: the
// capabilities of its handshake response, then the commands about
// prepared statements. It refuses COM_STMT_SEND_LONG_DATA that takes a
// statement's parameters past max_allowed_packet (vitess appends them
// without bound: 77 MB went through a 64 MB limit), as MySQL bounds long
// data by it.
func (c *guardedConn) packetHead(packet int, head []byte, length int64) (refuse bool) {
	if packet == 1 && len(head) >= 4 {
		c.clientFlags = binary.LittleEndian.Uint32(head)
		return false
	}
	if len(head) < packetHeadLen {
		return false
	}
	id := binary.LittleEndian.Uint32(head[1:])
	switch head[0] {
	case comStmtSendLongData:
		if c.longData == nil {
			c.longData = make(map[uint32]int64)
		}
		c.longData[id] += length
		return c.longData[id] > c.maxPacket
	case comStmtClose:
		c.stmtClosed(id)
		delete(c.longData, id)
	case comStmtExecute, comStmtReset:
		delete(c.longData, id)
	}
	return false
}

// stmtPrepared counts a statement COM_STMT_PREPARE made.
func (c *guardedConn) stmtPrepared(id uint32) {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	if c.binaryStmts == nil {
		c.binaryStmts = make(map[uint32]struct{})
	}
	if _, ok := c.binaryStmts[id]; !ok {
		c.binaryStmts[id] = struct{}{}
		c.l.prepared.Add(1)
	}
}

func (c *guardedConn) stmtClosed(id uint32) {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	if _, ok := c.binaryStmts[id]; ok {
		delete(c.binaryStmts, id)
		c.l.prepared.Add(-1)
	}
}

// namePrepared counts a PREPARE (add) or DEALLOCATE PREPARE of name.
func (c *guardedConn) namePrepared(name string, add bool) {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	_, had := c.textPrepared[name]
	switch {
	case add && !had:
		if c.textPrepared == nil {
			c.textPrepared = make(map[string]struct{})
		}
		c.textPrepared[name] = struct{}{}
		c.l.prepared.Add(1)
	case !add && had:
		delete(c.textPrepared, name)
		c.l.prepared.Add(-1)
	}
}

// forgetPrepared drops the statements of a connection that closed or
// reset.
func (c *guardedConn) forgetPrepared() {
	c.stmtMu.Lock()
	defer c.stmtMu.Unlock()
	c.l.prepared.Add(-int64(len(c.binaryStmts) + len(c.textPrepared)))
	c.binaryStmts, c.textPrepared = nil, nil
}

// checkPrepareCount refuses one statement more than
// max_prepared_stmt_count allows (error 1461).
func checkPrepareCount(gc *guardedConn) error {
	if gc == nil {
		return nil
	}
	if limit := globalInt(varMaxPreparedStmtCount, DefaultMaxPreparedStmtCount); gc.l.prepared.Load() >= limit {
		return errTooManyPrepared(limit)
	}
	return nil
}

// checkTextPrepare applies checkPrepareCount to a PREPARE statement.
func checkTextPrepare(c *mysql.Conn, query string) error {
	if f := strings.Fields(skipComments(query)); len(f) < 2 || !strings.EqualFold(f[0], "prepare") {
		return nil
	}
	return checkPrepareCount(guardOf(c))
}

// notePrepared follows the PREPARE and DEALLOCATE statements of a
// connection that succeeded.
func notePrepared(c *mysql.Conn, query string) {
	gc := guardOf(c)
	if gc == nil {
		return
	}
	f := strings.Fields(skipComments(query))
	if len(f) < 2 {
		return
	}
	switch verb := strings.ToLower(f[0]); {
	case verb == "prepare":
		gc.namePrepared(preparedName(f[1]), true)
	case (verb == "deallocate" || verb == "drop") && len(f) >= 3 && strings.EqualFold(f[1], "prepare"):
		gc.namePrepared(preparedName(f[2]), false)
	}
}

func preparedName(s string) string {
	s, _, _ = strings.Cut(s, ";")
	return strings.ToLower(strings.Trim(s, "`"))
}

// ComResetConnection forgets the connection's prepared statements, as
// the reset does (go-mysql-server drops the session's PREPAREs, and a
// client forgets its COM_STMT_PREPARE ids).
func (h *handler) ComResetConnection(c *mysql.Conn) error {
	if gc := guardOf(c); gc != nil {
		gc.forgetPrepared()
	}
	return h.Handler.ComResetConnection(c)
}
