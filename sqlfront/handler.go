package sqlfront

import (
	"context"
	"log/slog"
	"strings"
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

	// mu guards draining, inflight, idle, conns, sessions and prepared.
	mu       sync.Mutex
	draining bool
	inflight int
	idle     chan struct{} // closed when inflight drops to 0 while draining
	conns    map[uint32]*mysql.Conn
	sessions map[uint32]gmssql.Session // by connection id, from newSession
	// prepared is each connection's number of COM_STMT_PREPARE statements
	// when it last ran a command (vitess forgets a closed statement
	// without telling the handler); textPrepared its number of PREPARE
	// statements.
	prepared     map[uint32]int
	textPrepared map[uint32]int
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
		conns: make(map[uint32]*mysql.Conn), sessions: make(map[uint32]gmssql.Session),
		prepared: make(map[uint32]int), textPrepared: make(map[uint32]int)}, nil
}

// begin admits a statement unless the server is shutting down.
func (h *handler) begin(c *mysql.Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.draining {
		return false
	}
	h.inflight++
	h.prepared[c.ConnectionID] = len(c.PrepareData)
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
	h.Handler.ConnectionClosed(c)
	h.mu.Lock()
	delete(h.conns, c.ConnectionID)
	delete(h.sessions, c.ConnectionID)
	delete(h.prepared, c.ConnectionID)
	delete(h.textPrepared, c.ConnectionID)
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

// preparedTotal is the number of prepared statements of all
// connections, c's counted now.
func (h *handler) preparedTotal(c *mysql.Conn) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.prepared[c.ConnectionID] = len(c.PrepareData)
	n := 0
	for _, k := range h.prepared {
		n += k
	}
	for _, k := range h.textPrepared {
		n += k
	}
	return int64(n)
}

// checkPrepare refuses a statement that would prepare one more statement
// than max_prepared_stmt_count allows (error 1461).
func (h *handler) checkPrepare(c *mysql.Conn, query string) error {
	if f := strings.Fields(skipComments(query)); len(f) < 2 || !strings.EqualFold(f[0], "prepare") {
		return nil
	}
	if limit := globalInt(varMaxPreparedStmtCount, DefaultMaxPreparedStmtCount); h.preparedTotal(c) >= limit {
		return errTooManyPrepared(limit)
	}
	return nil
}

// notePrepared follows the PREPARE and DEALLOCATE statements of a
// connection that succeeded.
func (h *handler) notePrepared(c *mysql.Conn, query string) {
	gc := guardOf(c)
	if gc == nil {
		return
	}
	f := strings.Fields(skipComments(query))
	if len(f) < 2 {
		return
	}
	verb := strings.ToLower(f[0])
	switch {
	case verb == "prepare":
		gc.prepared(preparedName(f[1]), true)
	case (verb == "deallocate" || verb == "drop") && len(f) >= 3 && strings.EqualFold(f[1], "prepare"):
		gc.prepared(preparedName(f[2]), false)
	default:
		return
	}
	h.mu.Lock()
	h.textPrepared[c.ConnectionID] = len(gc.textPrepared)
	h.mu.Unlock()
}

func preparedName(s string) string {
	s, _, _ = strings.Cut(s, ";")
	return strings.ToLower(strings.Trim(s, "`"))
}

func (h *handler) ComResetConnection(c *mysql.Conn) error {
	if gc := guardOf(c); gc != nil {
		gc.textPrepared = nil
	}
	h.mu.Lock()
	delete(h.textPrepared, c.ConnectionID)
	h.mu.Unlock()
	return h.Handler.ComResetConnection(c)
}

func (h *handler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	st, err := h.start(ctx, c, query)
	if err != nil {
		return err
	}
	if err = h.checkPrepare(c, query); err == nil {
		err = h.Handler.ComQuery(st.ctx, c, query, okWithoutInfo(callback))
	}
	if err = h.finish(st, c, "query", query, err); err == nil {
		h.notePrepared(c, query)
	}
	return err
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
	if err = h.checkPrepare(c, query); err == nil {
		if gc := guardOf(c); gc == nil || gc.clientMulti {
			rest, err = h.Handler.ComMultiQuery(st.ctx, c, query, results.spool)
		} else {
			// The client did not ask for multiple statements: one per
			// query, as vitess's COM_QUERY would run it.
			err = h.Handler.ComQuery(st.ctx, c, query, results.spool)
		}
	}
	if err = h.finish(st, c, "query", query, err); err != nil {
		return rest, err
	}
	h.notePrepared(c, query)
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
	if limit := globalInt(varMaxPreparedStmtCount, DefaultMaxPreparedStmtCount); h.preparedTotal(c) > limit {
		err = errTooManyPrepared(limit)
	} else {
		fields, err = h.Handler.ComPrepare(st.ctx, c, query, prepare)
	}
	if err = h.finish(st, c, "prepare", query, err); err != nil {
		// vitess keeps a statement that failed to prepare; the client
		// never learns its id.
		delete(c.PrepareData, prepare.StatementID)
	}
	return fields, err
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
	if err = h.finish(st, c, "execute", prepare.PrepareStmt, err); err == nil && rows {
		h.owePreparedCallEnd(c, prepare.PrepareStmt)
	}
	return err
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
