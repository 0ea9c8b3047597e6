package sqlfront

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// handler wraps go-mysql-server's mysql.Handler. It counts the statements
// in flight so a shutdown can let them finish, tracks the connections so
// a shutdown can close them, maps errors the MySQL way (remapServerError)
// and, when asked, logs one line per statement.
type handler struct {
	*server.Handler
	log        *slog.Logger
	logQueries bool

	// mu guards draining, inflight, idle and conns.
	mu       sync.Mutex
	draining bool
	inflight int
	idle     chan struct{} // closed when inflight drops to 0 while draining
	conns    map[uint32]*mysql.Conn
	// connsOpen counts connections between NewConnection and
	// ConnectionClosed.
	connsOpen sync.WaitGroup
}

var _ mysql.Handler = (*handler)(nil)

func newHandler(inner mysql.Handler, log *slog.Logger, logQueries bool) (*handler, error) {
	h, ok := inner.(*server.Handler)
	if !ok {
		return nil, errUnexpectedHandler
	}
	return &handler{Handler: h, log: log, logQueries: logQueries, conns: make(map[uint32]*mysql.Conn)}, nil
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
	h.mu.Unlock()
}

func (h *handler) ComQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) error {
	if !h.begin() {
		return errShuttingDown
	}
	defer h.end()
	start := time.Now()
	err := h.Handler.ComQuery(ctx, c, query, callback)
	return h.finish(c, "query", query, start, err)
}

func (h *handler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, callback mysql.ResultSpoolFn) (string, error) {
	if !h.begin() {
		return "", errShuttingDown
	}
	defer h.end()
	start := time.Now()
	rest, err := h.Handler.ComMultiQuery(ctx, c, query, callback)
	return rest, h.finish(c, "query", query, start, err)
}

func (h *handler) ComPrepare(ctx context.Context, c *mysql.Conn, query string, prepare *mysql.PrepareData) ([]*querypb.Field, error) {
	if !h.begin() {
		return nil, errShuttingDown
	}
	defer h.end()
	start := time.Now()
	fields, err := h.Handler.ComPrepare(ctx, c, query, prepare)
	return fields, h.finish(c, "prepare", query, start, err)
}

func (h *handler) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, callback func(*sqltypes.Result) error) error {
	if !h.begin() {
		return errShuttingDown
	}
	defer h.end()
	start := time.Now()
	err := h.Handler.ComStmtExecute(ctx, c, prepare, callback)
	return h.finish(c, "execute", prepare.PrepareStmt, start, err)
}

// finish maps a statement's error and logs the statement when asked to.
func (h *handler) finish(c *mysql.Conn, kind, query string, start time.Time, err error) error {
	err = remapServerError(err, c.User, query)
	if h.logQueries {
		attrs := []any{"conn", c.ConnectionID, "user", c.User, "kind", kind, "query", query, "elapsed", time.Since(start)}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		h.log.Info("statement", attrs...)
	}
	return err
}
