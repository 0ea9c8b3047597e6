package sqlfront

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/server"
	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// handler wraps go-mysql-server's mysql.Handler. It counts the statements
// in flight so a shutdown can let them finish, tracks the connections so
// a shutdown can close them, runs each statement under its limits
// (statement.go: max_execution_time, the memory budget, cancellation when
// the client goes away), bounds prepared statements, ends a CALL with
// MySQL's OK packet (handler_call.go), maps errors the MySQL way and,
// when asked, logs one line per statement.
type handler struct {
	*server.Handler
	f          *frontend
	log        *slog.Logger
	logQueries bool

	// mu guards draining, inflight, idle, conns and sessions.
	mu       sync.Mutex
	draining bool
	inflight int
	idle     chan struct{} // closed when inflight drops to 0 while draining
	conns    map[uint32]*mysql.Conn
	sessions map[uint32]gmssql.Session // by connection id, from newSession
	// connsOpen counts connections between NewConnection and
	// ConnectionClosed.
	connsOpen sync.WaitGroup
}

var _ mysql.Handler = (*handler)(nil)

func newHandler(inner mysql.Handler, f *frontend, log *slog.Logger, logQueries bool) (*handler, error) {
	h, ok := inner.(*server.Handler)
	if !ok {
		return nil, errUnexpectedHandler
	}
	return &handler{Handler: h, f: f, log: log, logQueries: logQueries,
		conns: make(map[uint32]*mysql.Conn), sessions: make(map[uint32]gmssql.Session)}, nil
}

// begin admits a statement unless the server is shutting down.
func (h *handler) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.draining {
		return false
	}
	h.inflight++
	return true
}

func (h *handler) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inflight--
	if h.inflight == 0 && h.idle != nil {
		close(h.idle)
		h.idle = nil
	}
}

// drain refuses new statements and waits for those in flight.
func (h *handler) drain(ctx context.Context) error {
	h.mu.Lock()
	h.draining = true
	var wait chan struct{}
	if h.inflight > 0 {
		if h.idle == nil {
			h.idle = make(chan struct{})
		}
		wait = h.idle
	}
	h.mu.Unlock()
	if wait == nil {
		return nil
	}
	select {
	case <-wait:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closeConnections closes every client connection and waits until the
// server has let go of them all.
func (h *handler) closeConnections() {
	h.mu.Lock()
	for _, c := range h.conns {
		c.Close()
	}
	h.mu.Unlock()
	h.connsOpen.Wait()
}

// openConnections is the number of connections the handler knows.
func (h *handler) openConnections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

func (h *handler) NewConnection(c *mysql.Conn) {
	h.mu.Lock()
	h.conns[c.ConnectionID] = c
	h.connsOpen.Add(1)
	draining := h.draining
	h.mu.Unlock()
	h.Handler.NewConnection(c)
	if draining {
		c.Close()
	}
}

func (h *handler) ConnectionClosed(c *mysql.Conn) {
	defer h.connsOpen.Done()
	if gc := guardOf(c); gc != nil {
		gc.responded()
	}
	h.Handler.ConnectionClosed(c)
	h.mu.Lock()
	delete(h.conns, c.ConnectionID)
	delete(h.sessions, c.ConnectionID)
	h.mu.Unlock()
}

// addSession records the session go-mysql-server made for a connection.
func (h *handler) addSession(id uint32, s gmssql.Session) {
	h.mu.Lock()
	h.sessions[id] = s
	h.mu.Unlock()
}

func (h *handler) session(id uint32) gmssql.Session {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[id]
}

func (h *handler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	st, err := h.start(ctx, c, query)
	if err != nil {
		return err
	}
	results := &resultWatch{callback: okWithoutInfo(callback)}
	if err = checkTextPrepare(c, query); err == nil {
		err = h.Handler.ComQuery(st.ctx, c, query, results.spool)
	}
	if err = h.finish(st, c, "query", query, err); err != nil {
		return midStream(c, results.rows, err)
	}
	notePrepared(c, query)
	return nil
}

func (h *handler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	if rest, ok, err := h.endCall(c, query, callback); ok {
		return rest, err
	}
	st, err := h.start(ctx, c, query)
	if err != nil {
		return "", err
	}
	results := &resultWatch{callback: okWithoutInfo(callback)}
	var rest string
	if err = checkTextPrepare(c, query); err == nil {
		if gc := guardOf(c); gc == nil || gc.clientMulti {
			rest, err = h.Handler.ComMultiQuery(st.ctx, c, query, results.spool)
		} else {
			// The client did not ask for multiple statements: one per
			// query, as vitess's COM_QUERY would run it.
			err = h.Handler.ComQuery(st.ctx, c, query, results.spool)
		}
	}
	if err = h.finish(st, c, "query", query, err); err != nil {
		return "", midStream(c, results.rows, err)
	}
	notePrepared(c, query)
	if results.rows {
		rest = h.callResultsEnd(c, query, rest)
	}
	return rest, nil
}

func (h *handler) ComPrepare(ctx context.Context, c *mysql.Conn, query string, prepare *mysql.PrepareData) ([]*querypb.Field, error) {
	st, err := h.start(ctx, c, query)
	if err != nil {
		delete(c.PrepareData, prepare.StatementID)
		return nil, err
	}
	var fields []*querypb.Field
	if err = checkPrepareCount(guardOf(c)); err == nil {
		fields, err = h.Handler.ComPrepare(st.ctx, c, query, prepare)
	}
	if err = h.finish(st, c, "prepare", query, err); err != nil {
		// vitess keeps a statement that failed to prepare; the client
		// never learns its id.
		delete(c.PrepareData, prepare.StatementID)
		return nil, err
	}
	if gc := guardOf(c); gc != nil {
		gc.stmtPrepared(prepare.StatementID)
	}
	return fields, nil
}

func (h *handler) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	st, err := h.start(ctx, c, prepare.PrepareStmt)
	if err != nil {
		return err
	}
	rows := false
	if err = checkBindVars(prepare.BindVars); err == nil {
		err = h.Handler.ComStmtExecute(st.ctx, c, prepare, func(r *sqltypes.Result) error {
			rows = rows || len(r.Fields) > 0
			return callback(r)
		})
	}
	if err = h.finish(st, c, "execute", prepare.PrepareStmt, err); err != nil {
		return midStream(c, rows, err)
	}
	if rows {
		h.owePreparedCallEnd(c, prepare.PrepareStmt)
	}
	return nil
}

// midStream sends the error of a statement that failed after its first
// rows went out. vitess cannot ("we can't send an error in the middle of
// a stream"): it closes the connection, and the client saw only a lost
// connection. MySQL sends an ERR packet in place of the next row, and the
// connection goes on: the guard writes it, numbered after the last packet
// written, and swallows the end of the result set vitess writes once the
// handler returns without error.
func midStream(c *mysql.Conn, rowsSent bool, err error) error {
	gc := guardOf(c)
	if !rowsSent || gc == nil {
		return err
	}
	se, ok := err.(*mysql.SQLError)
	if !ok || c.FlushBuffer() != nil {
		return err
	}
	if _, werr := gc.Write(errorPacket(gc.out.lastSeq+1, se)); werr != nil {
		return err
	}
	gc.swallow = true
	return nil
}

// okWithoutInfo drops the info text of OK packets: vitess writes it as a
// '#' and the text (writeOKPacketWithInfo), which the MariaDB client
// reads as a length-prefixed string and rejects (ERROR 2027, malformed
// packet) — PREPARE's "Statement prepared" did that. MySQL itself sends
// a length-prefixed string; the fix belongs in vitess.
func okWithoutInfo(callback mysql.ResultSpoolFn) mysql.ResultSpoolFn {
	return func(r *sqltypes.Result, more bool) error {
		if len(r.Fields) == 0 && r.Info != "" {
			r.Info = ""
		}
		return callback(r, more)
	}
}

// logStatement logs one statement when asked to.
func (h *handler) logStatement(c *mysql.Conn, kind, query string, start time.Time, err error) {
	if !h.logQueries {
		return
	}
	attrs := []any{"conn", c.ConnectionID, "user", c.User, "kind", kind, "query", truncateEcho(query), "elapsed", time.Since(start)}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	h.log.Info("statement", attrs...)
}
