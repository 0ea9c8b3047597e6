package sqlfront

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dolthub/vitess/go/mysql"
)

// The connection guard bounds what go-mysql-server's vitess listener does
// not: it reads every packet whole, of any size (up to 1 GiB took the
// memory of 20 statements); it accepts every connection (its own
// max_connections makes clients wait, without error 1040); it has no
// timeout on the handshake nor between statements; and it notices a
// client that went away only when it writes rows to it. guardListener
// and guardedConn sit between the vitess listener and the socket:
//
//   - max_connections: past the limit (plus one kept for an admin, checked
//     at login) a new client gets error 1040 instead of the handshake;
//   - connect_timeout: a deadline on the socket from accept to the end of
//     the login;
//   - wait_timeout: a read deadline between statements; past it the client
//     gets error 4031 and the connection closes;
//   - max_allowed_packet: the client's packets are measured as they
//     arrive; a longer one is error 1153 and the connection closes, before
//     the packet is buffered;
//   - a statement whose client goes away is cancelled: while a statement
//     runs longer than watchDelay, a goroutine reads the socket, and EOF
//     cancels the statement's context (MySQL clients send nothing while
//     they wait; bytes that do arrive are kept for the next read).
type guardListener struct {
	net.Listener
	log *slog.Logger

	open     atomic.Int64 // connections accepted and not yet closed
	prepared atomic.Int64 // prepared statements of all connections

	// statsMu guards the counters tests and the soak read.
	statsMu sync.Mutex
	stats   GuardStats
}

// GuardStats counts what the connection guard refused or closed.
type GuardStats struct {
	TooManyConnections int64 // refused with error 1040
	HandshakeTimeouts  int64 // closed by connect_timeout
	IdleTimeouts       int64 // closed by wait_timeout (error 4031)
	PacketsTooLarge    int64 // closed with error 1153
	ClientsGone        int64 // statements cancelled because their client went away
	// OutlivedClientMax is the longest a cancelled statement ran on after
	// the server saw its client go away.
	OutlivedClientMax time.Duration
}

func (l *guardListener) count(f func(*GuardStats)) {
	l.statsMu.Lock()
	f(&l.stats)
	l.statsMu.Unlock()
}

func (l *guardListener) statementOutlived(d time.Duration) {
	l.count(func(s *GuardStats) { s.OutlivedClientMax = max(s.OutlivedClientMax, d) })
}

func (l *guardListener) snapshot() GuardStats {
	l.statsMu.Lock()
	defer l.statsMu.Unlock()
	return l.stats
}

var (
	errTooManyConnections = mysql.NewSQLError(mysql.ERConCount, "08004", "%s", "Too many connections")
	errPacketTooLarge     = mysql.NewSQLError(mysql.ERNetPacketTooLarge, stateNetError, "%s", "Got a packet bigger than 'max_allowed_packet' bytes")
	errIdleTimeout        = mysql.NewSQLError(erClientInteractionTimeout, mysql.SSUnknownSQLState, "%s",
		"The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.")
	// errClientGone cancels a statement whose client closed its connection.
	errClientGone = errors.New("sqlfront: the client closed the connection")
)

// refuseTimeout bounds how long the server spends writing an error to a
// client it is closing.
const refuseTimeout = time.Second

func (l *guardListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		limit := globalInt(varMaxConnections, DefaultMaxConnections)
		if n := l.open.Add(1); n > limit+1 {
			l.open.Add(-1)
			l.count(func(s *GuardStats) { s.TooManyConnections++ })
			go refuse(c, 0, errTooManyConnections)
			continue
		}
		return newGuardedConn(c, l), nil
	}
}

// refuse writes err as the packet numbered seq and closes c.
func refuse(c net.Conn, seq byte, err *mysql.SQLError) {
	_ = c.SetWriteDeadline(time.Now().Add(refuseTimeout))
	_, _ = c.Write(errorPacket(seq, err))
	_ = c.Close()
}

// errorPacket is a MySQL ERR packet.
func errorPacket(seq byte, err *mysql.SQLError) []byte {
	msg := err.Message
	body := 1 + 2 + 1 + 5 + len(msg)
	p := make([]byte, 4, 4+body)
	p[0], p[1], p[2], p[3] = byte(body), byte(body>>8), byte(body>>16), seq
	p = append(p, 0xff)
	p = binary.LittleEndian.AppendUint16(p, uint16(err.Num))
	p = append(p, '#')
	p = append(p, err.State...)
	return append(p, msg...)
}

// okPacket is a MySQL OK packet with no rows affected.
func okPacket(seq byte, status uint16) []byte {
	return []byte{7, 0, 0, seq, 0, 0, 0, byte(status), byte(status >> 8), 0, 0}
}

// Packet framing (client to server): 3 bytes of length, 1 of sequence.
const (
	packetHeaderLen = 4
	maxFrameLen     = 1<<24 - 1 // a longer packet continues in the next frame
)

// watchDelay is how long a statement runs before its connection is
// watched for a client that went away: statements shorter than this cost
// nothing, and a cancellation comes at most this much later.
const watchDelay = 100 * time.Millisecond

// pendingCap bounds the bytes a watcher keeps for the next statement when
// a client sends while it waits.
const pendingCap = 64 << 10

// drainLimit bounds how long the server reads and discards the rest of a
// packet it refused, so the client finishes writing and reads the error;
// after long data, the client is done when it pauses for drainPause.
const (
	drainLimit = 10 * time.Second
	drainPause = 300 * time.Millisecond
)

// guardedConn is one client connection under the guard.
type guardedConn struct {
	net.Conn
	l         *guardListener
	closeOnce sync.Once

	maxPacket    int64         // max_allowed_packet when the connection was accepted
	writeTimeout time.Duration // net_write_timeout when the connection was accepted

	// Read side: only the connection's goroutine uses these.
	meter packetMeter

	// Set at login by the connection's goroutine (authMethod), read by
	// the handler on the same goroutine.
	loggedIn           atomic.Bool
	clientFlags        uint32 // the capabilities of the client's handshake response
	interactive        bool   // CLIENT_INTERACTIVE: interactive_timeout applies
	clientMulti        bool   // the client asked for CLIENT_MULTI_STATEMENTS
	clientMultiResults bool   // the client takes CLIENT_MULTI_RESULTS
	// callEnd is set between a CALL's result set and the OK packet that
	// ends it (handler.ComMultiQuery).
	callEnd *callEnd
	// longData is the bytes of COM_STMT_SEND_LONG_DATA each prepared
	// statement got since its last execution (connection goroutine only).
	longData map[uint32]int64
	// stmtMu guards the connection's prepared statements: its
	// COM_STMT_PREPARE ids and the names of its PREPAREs.
	stmtMu       sync.Mutex
	binaryStmts  map[uint32]struct{}
	textPrepared map[string]struct{}
	// out follows the packets written to the client, for the sequence
	// number of the last; binaryCallEnd is the OK packet still owed after
	// a CALL's binary result set (handler_call.go).
	out           packetMeter
	binaryCallEnd *binaryCallEnd
	// swallow drops what vitess writes until the client's next command:
	// the end of a result set whose error went out (midStream).
	swallow bool
	// afterResponse ends the last statement once vitess wrote its
	// response: when it reads the next command, or the connection closes.
	afterResponse func()

	// mu guards the watcher's state and what it read.
	mu       sync.Mutex
	watch    watchState
	timer    *time.Timer
	cancel   func()        // cancels the watched statement
	done     chan struct{} // closed when the watcher goroutine returns
	stopping bool          // the watcher is being stopped: its read error is ours
	pending  []byte        // bytes the watcher read, for the next Read
	gone     error         // the client went away: what the watcher's read returned
	buf      []byte        // the watcher's read buffer
}

type watchState int

const (
	watchIdle    watchState = iota
	watchArmed              // timer set
	watchRunning            // goroutine reading
)

func newGuardedConn(c net.Conn, l *guardListener) *guardedConn {
	gc := &guardedConn{Conn: c, l: l, maxPacket: globalInt(varMaxAllowedPacket, DefaultMaxAllowedPacket),
		writeTimeout: seconds(globalInt(varNetWriteTimeout, 60))}
	gc.meter.limit = gc.maxPacket
	gc.meter.onHead = gc.packetHead
	timeout := seconds(globalInt(varConnectTimeout, int64(DefaultConnectTimeout/time.Second)))
	_ = c.SetDeadline(time.Now().Add(timeout))
	return gc
}

// guardOf returns the guarded connection under a vitess connection (nil
// for one that is not).
func guardOf(c *mysql.Conn) *guardedConn {
	gc, _ := c.Conn.(*guardedConn)
	return gc
}

func (c *guardedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.l.open.Add(-1)
		c.forgetPrepared()
	})
	return err
}

// loginDone ends the handshake deadline: from now on the connection is
// idle until its first statement.
func (c *guardedConn) loginDone() {
	flags := c.clientFlags
	c.interactive = flags&capClientInteractive != 0
	c.clientMulti = flags&mysql.CapabilityClientMultiStatements != 0
	c.clientMultiResults = flags&mysql.CapabilityClientMultiResults != 0
	c.loggedIn.Store(true)
	_ = c.Conn.SetDeadline(time.Time{})
	c.idle(nil)
}

// idle sets the deadline for the client's next statement: the session's
// wait_timeout (interactive_timeout for an interactive client without a
// session yet).
func (c *guardedConn) idle(waitTimeout *int64) {
	var secs int64
	switch {
	case waitTimeout != nil:
		secs = *waitTimeout
	case c.interactive:
		secs = globalInt(varInteractiveTimeout, int64(DefaultWaitTimeout/time.Second))
	default:
		secs = globalInt(varWaitTimeout, int64(DefaultWaitTimeout/time.Second))
	}
	_ = c.Conn.SetReadDeadline(time.Now().Add(seconds(secs)))
}

// Write gives up on a client that does not read what it is sent for
// net_write_timeout (MySQL's default 60 s), so a statement cannot hang on
// it.
func (c *guardedConn) Write(p []byte) (int, error) {
	if c.swallow {
		return len(p), nil
	}
	if c.loggedIn.Load() {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	}
	if c.binaryCallEnd != nil {
		if out, ok := c.appendCallEnd(p); ok {
			n, err := c.Conn.Write(out)
			c.out.feed(out[:n])
			return min(n, len(p)), err
		}
	}
	n, err := c.Conn.Write(p)
	c.out.feed(p[:n])
	return n, err
}

// responded ends the last statement, whose response is written.
func (c *guardedConn) responded() {
	if f := c.afterResponse; f != nil {
		c.afterResponse = nil
		f()
	}
}

func (c *guardedConn) Read(p []byte) (int, error) {
	c.responded()
	c.swallow = false
	if err := c.endBinaryCall(); err != nil {
		return 0, err
	}
	if c.stopWatch() {
		// A statement reads from its client (LOAD DATA LOCAL): no idle
		// deadline while it runs.
		_ = c.Conn.SetReadDeadline(time.Time{})
	}
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		c.mu.Unlock()
		return c.metered(p[:n], nil)
	}
	gone := c.gone
	c.mu.Unlock()
	if gone != nil {
		return 0, gone
	}
	n, err := c.Conn.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return n, c.timedOut(err)
	}
	return c.metered(p[:n], err)
}

// timedOut handles a read deadline: during the login, connect_timeout
// (the error goes back to vitess, which logs it and closes); between
// statements, wait_timeout: error 4031 as MySQL 8.0.24 sends it, then EOF
// so vitess closes quietly.
func (c *guardedConn) timedOut(err error) error {
	if !c.loggedIn.Load() {
		c.l.count(func(s *GuardStats) { s.HandshakeTimeouts++ })
		c.l.log.Info("connection closed: login not finished within connect_timeout", "client", c.RemoteAddr().String())
		return err
	}
	c.l.count(func(s *GuardStats) { s.IdleTimeouts++ })
	_ = c.Conn.SetWriteDeadline(time.Now().Add(refuseTimeout))
	_, _ = c.Conn.Write(errorPacket(0, errIdleTimeout))
	return io.EOF
}

// metered passes bytes read from the client through the packet meter; a
// packet over max_allowed_packet ends the connection.
func (c *guardedConn) metered(b []byte, err error) (int, error) {
	if used, over := c.meter.feed(b); over {
		c.refusePacket(b[used:])
		return 0, errPacketTooLarge
	}
	return len(b), err
}

// refusePacket answers a packet over max_allowed_packet with error 1153
// and closes the connection. It first reads and discards the rest of the
// packet (for at most drainLimit), so that the client, which writes its
// whole packet before it reads, finds the error numbered as it expects
// after its last frame (MySQL closes at once: its clients mostly see
// "server has gone away"). rest is what was read past the header that
// passed the limit. After long data that passed it, the client sends
// more long data and then COM_STMT_EXECUTE, to which it expects the
// answer: everything it sends until it pauses is discarded.
func (c *guardedConn) refusePacket(rest []byte) {
	c.l.count(func(s *GuardStats) { s.PacketsTooLarge++ })
	c.l.log.Info("connection closed: packet over max_allowed_packet", "client", c.RemoteAddr().String(), "max_allowed_packet", c.maxPacket)
	m := &c.meter
	m.limit = 0
	m.feed(rest)
	_ = c.Conn.SetReadDeadline(time.Now().Add(drainLimit))
	buf := make([]byte, 64<<10)
	for !m.packetDone() {
		n, err := c.Conn.Read(buf[:min(int64(len(buf)), m.want())])
		m.feed(buf[:n])
		if err != nil {
			break
		}
	}
	if c.longData != nil {
		deadline := time.Now().Add(drainLimit)
		for time.Now().Before(deadline) {
			pause := time.Now().Add(drainPause)
			if pause.After(deadline) {
				pause = deadline
			}
			_ = c.Conn.SetReadDeadline(pause)
			n, err := c.Conn.Read(buf)
			m.feed(buf[:n])
			if err != nil {
				break
			}
		}
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(refuseTimeout))
	_, _ = c.Conn.Write(errorPacket(m.lastSeq+1, errPacketTooLarge))
	_ = c.Close()
}

// watchStatement arms the watcher for a statement starting now; cancel
// is called if the client goes away before unwatch.
func (c *guardedConn) watchStatement(cancel func()) {
	_ = c.Conn.SetReadDeadline(time.Time{})
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone != nil {
		cancel()
		return
	}
	c.cancel = cancel
	c.watch = watchArmed
	if c.timer == nil {
		c.timer = time.AfterFunc(watchDelay, c.runWatcher)
	} else {
		c.timer.Reset(watchDelay)
	}
}

func (c *guardedConn) runWatcher() {
	c.mu.Lock()
	if c.watch != watchArmed {
		c.mu.Unlock()
		return
	}
	c.watch = watchRunning
	done := make(chan struct{})
	c.done = done
	if c.buf == nil {
		c.buf = make([]byte, 4096)
	}
	buf := c.buf
	c.mu.Unlock()
	go func() {
		defer close(done)
		for {
			n, err := c.Conn.Read(buf)
			c.mu.Lock()
			if n > 0 {
				c.pending = append(c.pending, buf[:n]...)
			}
			switch {
			case err != nil && c.stopping:
				c.mu.Unlock()
				return
			case err != nil:
				c.gone = err
				cancel := c.cancel
				c.mu.Unlock()
				c.l.count(func(s *GuardStats) { s.ClientsGone++ })
				if cancel != nil {
					cancel()
				}
				return
			case len(c.pending) >= pendingCap:
				// A client that sends while it waits: leave the rest in
				// the socket until the statement ends.
				c.mu.Unlock()
				return
			}
			c.mu.Unlock()
		}
	}()
}

// stopWatch stops watching the connection; it reports whether a watcher
// goroutine was reading (its read deadline is then in the past).
func (c *guardedConn) stopWatch() bool {
	c.mu.Lock()
	switch c.watch {
	case watchIdle:
		c.mu.Unlock()
		return false
	case watchArmed:
		c.timer.Stop()
		c.watch, c.cancel = watchIdle, nil
		c.mu.Unlock()
		return false
	}
	c.stopping = true
	done := c.done
	c.mu.Unlock()
	_ = c.Conn.SetReadDeadline(time.Unix(1, 0))
	<-done
	c.mu.Lock()
	c.watch, c.cancel, c.stopping, c.done = watchIdle, nil, false, nil
	c.mu.Unlock()
	return true
}

// endStatement stops watching and starts the idle deadline.
func (c *guardedConn) endStatement(waitTimeout *int64) {
	c.stopWatch()
	c.idle(waitTimeout)
}

// packetMeter follows the packet framing of what a client sends and
// finds a packet longer than limit from its frame headers, before its
// body is read. It hands the start of each packet to onHead: the
// capabilities of the handshake response (vitess keeps only three of
// them) and the statement a COM_STMT_CLOSE closes.
type packetMeter struct {
	limit   int64 // 0: no limit
	lastSeq byte  // the sequence number of the last frame begun
	packets int   // packets begun
	// onHead sees the start of each packet (and its length so far); it
	// may refuse the packet, as a packet over the limit is refused.
	onHead func(packet int, head []byte, length int64) (refuse bool)

	hdr       [packetHeaderLen]byte
	hdrN      int   // header bytes seen of the current frame
	left      int64 // body bytes still to come in the current frame
	total     int64 // bytes of the current packet so far, frames included
	continued bool  // the current frame is full: the next one continues it
	first     bool  // the current frame is its packet's first
	firstByte byte  // the current packet's first byte
	head      [packetHeadLen]byte
	headN     int // -1 once reported
}

// packetHeadLen is how much of each packet the meter reports: a command
// byte and a statement id (COM_STMT_CLOSE).
const packetHeadLen = 5

// feed reads b; when a packet passes the limit it stops at the header
// that passed it and returns how much of b it read.
func (m *packetMeter) feed(b []byte) (used int, over bool) {
	for used < len(b) {
		if m.left > 0 {
			n := min(int64(len(b)-used), m.left)
			if m.first && m.headN == 0 {
				m.firstByte = b[used]
			}
			if m.first && m.headN >= 0 {
				k := copy(m.head[m.headN:], b[used:used+int(n)])
				m.headN += k
				if m.headN == packetHeadLen || n == m.left {
					m.left -= int64(k)
					used += k
					if m.reportHead() {
						return used, true
					}
					continue
				}
			}
			m.left -= n
			used += int(n)
			continue
		}
		n := copy(m.hdr[m.hdrN:], b[used:])
		m.hdrN += n
		used += n
		if m.hdrN < packetHeaderLen {
			return used, false
		}
		m.hdrN = 0
		length := int64(m.hdr[0]) | int64(m.hdr[1])<<8 | int64(m.hdr[2])<<16
		m.first = !m.continued
		if m.first {
			m.total, m.headN, m.firstByte = 0, 0, 0
			m.packets++
		}
		m.total += length
		m.continued = length == maxFrameLen
		m.left = length
		m.lastSeq = m.hdr[3]
		if m.limit > 0 && m.total > m.limit {
			return used, true
		}
		if m.first && length == 0 && m.reportHead() {
			return used, true
		}
	}
	return used, false
}

func (m *packetMeter) reportHead() (refuse bool) {
	if m.onHead != nil && m.limit > 0 {
		refuse = m.onHead(m.packets, m.head[:m.headN], m.total)
	}
	m.headN = -1
	return refuse
}

// packetDone says whether the meter stands between two packets.
func (m *packetMeter) packetDone() bool { return m.hdrN == 0 && m.left == 0 && !m.continued }

// want is how many bytes finish the current header or frame.
func (m *packetMeter) want() int64 {
	if m.left > 0 {
		return m.left
	}
	return int64(packetHeaderLen - m.hdrN)
}
