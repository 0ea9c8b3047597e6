package sqlfront

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"

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
	// Version is the server version clients see. Default DefaultVersion.
	Version string
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	if o.Listener == nil {
		return errors.New("sqlfront: no listener")
	}
	return validateUsers(o.Users, o.AllowEmptyPassword)
}

func (o *Options) ensureDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
}

// Server serves one engine over the MySQL protocol.
type Server struct {
	f       *frontend
	sqle    *sqle.Engine
	srv     *server.Server
	handler *handler
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

	f := newFrontend(eng, opts.Users)
	pro := newProvider(f)
	a := analyzer.NewBuilder(pro).
		AddPostAnalyzeRule(orderFromKeyRuleID, orderFromKey).
		AddPreAnalyzeRule(serverAccessRuleID, f.serverAccess).
		Build()
	e := sqle.New(a, &sqle.Config{})
	setupUsers(e.Analyzer.Catalog.MySQLDb, opts.Users)

	s := &Server{f: f, sqle: e, served: make(chan struct{}), addr: opts.Listener.Addr()}
	cfg := server.Config{
		Protocol: "tcp",
		Address:  opts.Listener.Addr().String(),
		Listener: opaqueConns{opts.Listener},
		Version:  opts.Version,

		ProtocolListenerFactory: listenerFactory,
	}
	wrap := func(inner mysql.Handler) (mysql.Handler, error) {
		h, err := newHandler(inner, opts.Logger, opts.LogStatements)
		s.handler = h
		return h, err
	}
	srv, err := server.NewServerWithHandler(cfg, e, sql.NewContext, newSession, nil, wrap)
	if err != nil {
		e.Close()
		return nil, err
	}
	s.srv = srv
	return s, nil
}

// opaqueConns hands go-mysql-server connections that are not a
// *net.TCPConn. For a *net.TCPConn it checks before every statement with
// rows whether the client hung up (dup(2) of the socket, switching it to
// blocking mode and back, /proc reads every 5 s), which measured as a 2-4×
// loss of throughput with 8 concurrent clients on 2 cores. Without it a
// client that disconnects mid-statement is noticed when its rows are
// written.
type opaqueConns struct{ net.Listener }

func (l opaqueConns) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return opaqueConn{c}, nil
}

type opaqueConn struct{ net.Conn }

// newSession starts each connection in the lastaccess database, as the
// caller the client authenticated as.
func newSession(_ context.Context, conn *mysql.Conn, addr string) (sql.Session, error) {
	host, user := "", ""
	if u, ok := conn.UserData.(sql.MysqlConnectionUser); ok {
		host, user = u.Host, u.User
	}
	client := sql.Client{Address: host, User: user, Capabilities: conn.Capabilities}
	s := sql.NewBaseSessionWithClientServer(addr, client, conn.ConnectionID)
	s.SetCurrentDatabase(DatabaseName)
	return s, nil
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
