package sqlfront

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	sqle "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/server"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/vitess/go/mysql"

	"lastaccess/engine"
)

// DefaultVersion is the server version clients see.
const DefaultVersion = "8.0.33-lastaccess"

// Options configure a Server. Each field says its default.
type Options struct {
	// Listener accepts client connections. Required: the caller binds it,
	// so an address in use fails before anything starts.
	Listener net.Listener
	// Users may connect; at least one must not be read-only.
	Users []User
	// AllowEmptyPassword accepts users without a password (for a server
	// on a trusted loopback only). Default false.
	AllowEmptyPassword bool
	// Logger receives one line per connection error (and one per
	// statement with LogStatements). Default: discard.
	Logger *slog.Logger
	// LogStatements logs every statement with its user, duration and
	// error. Default false: nothing is logged per statement.
	LogStatements bool
	// Version is the server version clients see, in the handshake and in
	// version(). Default DefaultVersion.
	Version string
	// Limits bound what each client may take; zero fields are MySQL's
	// defaults.
	Limits Limits
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	if o.Listener == nil {
		return errors.New("sqlfront: no listener")
	}
	return errors.Join(validateUsers(o.Users, o.AllowEmptyPassword), o.Limits.Validate())
}

func (o *Options) ensureDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	o.Limits.ensureDefaults()
}

// Server serves one engine over the MySQL protocol.
type Server struct {
	f       *frontend
	sqle    *sqle.Engine
	srv     *server.Server
	handler *handler
	guard   *guardListener
	addr    net.Addr

	serveOnce sync.Once
	served    chan struct{} // closed when Serve returns
	shutOnce  sync.Once
	shutErr   error
}

// NewServer prepares a server for eng on opts.Listener. It does not
// accept connections until Serve. The engine stays the caller's: close it
// after Shutdown.
func NewServer(eng *engine.Engine, opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.ensureDefaults()
	routeLogs(opts.Logger)
	if err := applyGlobals(opts.Limits, opts.Version); err != nil {
		return nil, err
	}

	f := newFrontend(eng, opts.Users)
	pro := newProvider(f)
	a := analyzer.NewBuilder(pro).
		AddPostAnalyzeRule(orderFromKeyRuleID, orderFromKey).
		AddPostAnalyzeRule(heldRowsRuleID, heldRowsRule).
		AddPreAnalyzeRule(serverAccessRuleID, f.serverAccess).
		Build()
	a.ExecBuilder = newExecBuilder()
	e := sqle.New(a, &sqle.Config{})
	f.mysqlDB = e.Analyzer.Catalog.MySQLDb
	e.Analyzer.Catalog.AuthHandler = authorization{e.Analyzer.Catalog.AuthHandler}
	setupUsers(f.mysqlDB, opts.Users)

	guard := &guardListener{Listener: opts.Listener, log: opts.Logger}
	s := &Server{f: f, sqle: e, served: make(chan struct{}), addr: opts.Listener.Addr(), guard: guard}
	cfg := server.Config{
		Protocol: "tcp",
		Address:  opts.Listener.Addr().String(),
		Listener: guard,
		Version:  opts.Version,

		ProtocolListenerFactory: listenerFactory(f.mysqlDB, opts.Logger),
	}
	wrap := func(inner mysql.Handler) (mysql.Handler, error) {
		h, err := newHandler(inner, f, opts.Logger, opts.LogStatements)
		s.handler = h
		return h, err
	}
	srv, err := server.NewServerWithHandler(cfg, e, newContext, s.newSession, nil, wrap)
	if err != nil {
		e.Close()
		return nil, err
	}
	s.srv = srv
	return s, nil
}

// newSession starts each connection in the lastaccess database, as the
// caller the client authenticated as, with interactive_timeout as its
// wait_timeout when the client says it is interactive (as MySQL does).
// It lists the connection under its user in the process list (SHOW
// PROCESSLIST, KILL), which go-mysql-server does only for a client that
// named a database when it connected.
func (s *Server) newSession(_ context.Context, conn *mysql.Conn, addr string) (sql.Session, error) {
	host, user := "", ""
	if u, ok := conn.UserData.(sql.MysqlConnectionUser); ok {
		host, user = u.Host, u.User
	}
	client := sql.Client{Address: host, User: user, Capabilities: conn.Capabilities}
	sess := sql.NewBaseSessionWithClientServer(addr, client, conn.ConnectionID)
	sess.SetCurrentDatabase(DatabaseName)
	if gc := guardOf(conn); gc != nil && gc.interactive {
		timeout := globalInt(varInteractiveTimeout, int64(DefaultWaitTimeout/time.Second))
		if err := sess.SetSessionVariable(nil, varWaitTimeout, timeout); err != nil {
			return nil, err
		}
	}
	s.sqle.ProcessList.ConnectionReady(sess)
	s.handler.addSession(conn.ConnectionID, sess)
	return sess, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Serve accepts connections until Shutdown. It returns nil after a
// shutdown.
func (s *Server) Serve() error {
	var err error
	s.serveOnce.Do(func() {
		defer close(s.served)
		err = s.srv.Start()
	})
	return err
}

// Shutdown stops the server gracefully: it stops accepting connections,
// refuses new statements (ER_SERVER_SHUTDOWN), waits for the statements in
// flight to finish (or ctx to end), then closes every connection and
// waits for them. When ctx ends first, the remaining statements are
// cancelled with their connections and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() {
		_ = s.srv.Close() // closes the listener: Serve returns
		drainErr := s.handler.drain(ctx)
		if drainErr != nil {
			// Out of time: cancel the statements still running.
			for _, p := range s.sqle.ProcessList.Processes() {
				s.sqle.ProcessList.Kill(p.Connection)
			}
		}
		s.handler.closeConnections()
		s.serveOnce.Do(func() { close(s.served) }) // never served
		<-s.served
		closeErr := s.sqle.Close()
		if errors.Is(closeErr, context.Canceled) {
			closeErr = nil // how its background threads report stopping
		}
		s.shutErr = errors.Join(drainErr, closeErr)
	})
	return s.shutErr
}

// EventKeysRead is the number of stored event keys access_events has
// read since the server started: what a filter pushed down saves shows
// here.
func (s *Server) EventKeysRead() int64 { return s.f.eventKeysRead.Load() }

// Procedures lists the procedures the server offers.
func (s *Server) Procedures() []string { return s.f.procs.names() }

// OpenConnections is the number of client connections the server holds:
// accepted and not yet closed, logged in or not.
func (s *Server) OpenConnections() int64 { return s.guard.open.Load() }

// GuardStats counts the connections the server refused or closed for a
// limit, and the statements it cancelled because their client went away.
func (s *Server) GuardStats() GuardStats { return s.guard.snapshot() }
