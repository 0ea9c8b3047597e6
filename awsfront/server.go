package awsfront

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"lastaccess/engine"
)

// Options configure a Server. Each field says its default.
type Options struct {
	// Listener accepts connections. Required: the caller binds it, so an
	// address in use fails before anything starts.
	Listener net.Listener
	// Keys are the access keys whose signatures are accepted.
	Keys []Key
	// AllowUnsigned accepts requests without a signature, as the
	// organization's management account (read-write). Only on a loopback
	// listener. Default false.
	AllowUnsigned bool
	// Logger receives authentication failures (Warn) and server failures
	// (Error). Default: discard.
	Logger *slog.Logger
	// Now is the clock signatures are checked against: the wall clock,
	// never the engine's (a fixed --now must not expire every signature).
	// Default time.Now.
	Now func() time.Time
	// MaxBodyBytes refuses larger request bodies (ValidationError).
	// Default 1 MiB.
	MaxBodyBytes int64
	// ReadHeaderTimeout bounds reading a request's headers, ReadTimeout
	// the whole request, WriteTimeout until the response is written: a
	// slow client cannot hold a connection. Defaults 10 s, 30 s, 60 s.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle this long.
	// Default 60 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's header. Default 64 KiB.
	MaxHeaderBytes int
}

// Defaults of Options.
const (
	DefaultMaxBodyBytes      = 1 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	if o.Listener == nil {
		return errors.New("awsfront: no listener")
	}
	if len(o.Keys) == 0 && !o.AllowUnsigned {
		return errors.New("awsfront: no access keys, and unsigned requests are not allowed")
	}
	if o.AllowUnsigned && !isLoopback(o.Listener.Addr()) {
		return fmt.Errorf("awsfront: unsigned requests may only be allowed on a loopback address, not %s", o.Listener.Addr())
	}
	seen := map[string]bool{}
	for _, k := range o.Keys {
		switch {
		case !validAccessKeyID(k.AccessKeyID):
			return fmt.Errorf("awsfront: key %s: the access key id must be 16 to 128 letters and digits", k.Name)
		case k.SecretAccessKey == "":
			return fmt.Errorf("awsfront: key %s: no secret access key", k.Name)
		case k.AccountID != "" && !engine.IsAccountID(k.AccountID):
			return fmt.Errorf("awsfront: key %s: account id %q is not 12 digits", k.Name, k.AccountID)
		case seen[k.AccessKeyID]:
			return fmt.Errorf("awsfront: access key id %s given twice", k.AccessKeyID)
		}
		seen[k.AccessKeyID] = true
	}
	return nil
}

func (o *Options) ensureDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Server answers the IAM Query API over HTTP for one engine.
type Server struct {
	http *http.Server
	ln   net.Listener
}

// NewServer prepares a server for eng on opts.Listener; it does not
// accept connections until Serve. The engine stays the caller's: close
// it after Shutdown.
func NewServer(eng *engine.Engine, opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.ensureDefaults()
	h := &handler{eng: eng, opts: opts, verifier: newVerifier(opts.Keys, opts.Now), log: opts.Logger}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: opts.ReadHeaderTimeout,
		ReadTimeout:       opts.ReadTimeout,
		WriteTimeout:      opts.WriteTimeout,
		IdleTimeout:       opts.IdleTimeout,
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	return &Server{http: srv, ln: opts.Listener}, nil
}

// Handler is the server's request handler, for measuring it without the
// network.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until Shutdown; it returns nil after one.
func (s *Server) Serve() error {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, closes idle ones, and waits for
// the requests in flight to finish (or ctx to end: then the remaining
// connections are closed and ctx's error returned).
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	return err
}
