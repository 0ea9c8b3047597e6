package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"lastaccess/engine"
	"lastaccess/sqlfront"
)

// Environment variables that stand in for serve's account flags (and
// give ingest --server its account).
const (
	envUser             = "LASTACCESS_USER"
	envPassword         = "LASTACCESS_PASSWORD"
	envReadOnlyUser     = "LASTACCESS_READONLY_USER"
	envReadOnlyPassword = "LASTACCESS_READONLY_PASSWORD"
	defaultUser         = "root"
	defaultListen       = "127.0.0.1:3306"
)

// serveConfig is what serve's flags say.
type serveConfig struct {
	listen                         string
	user, password                 string
	readOnlyUser, readOnlyPassword string
	insecureNoPassword             bool
	reportOwnerOnly, logStatements bool
	printExamples                  bool
	syncWrites                     bool
	shutdownTimeout                time.Duration
	aws                            awsServeConfig
	limits                         sqlfront.Limits
}

func parseServeFlags(env *env, args []string) (*serveConfig, error) {
	fs := env.newFlagSet("serve")
	c := &serveConfig{}
	fs.StringVar(&c.listen, "listen", defaultListen, "address to listen on")
	fs.StringVar(&c.user, "user", envOr(envUser, defaultUser), "admin user (or $"+envUser+")")
	fs.StringVar(&c.password, "password", os.Getenv(envPassword), "admin password (or $"+envPassword+")")
	fs.StringVar(&c.readOnlyUser, "readonly-user", os.Getenv(envReadOnlyUser), "read-only user (or $"+envReadOnlyUser+")")
	fs.StringVar(&c.readOnlyPassword, "readonly-password", os.Getenv(envReadOnlyPassword), "read-only user's password (or $"+envReadOnlyPassword+")")
	fs.BoolVar(&c.insecureNoPassword, "insecure-no-password", false, "accept users without a password")
	fs.BoolVar(&c.reportOwnerOnly, "report-owner-only", false, "only the user who generated a report may read it")
	fs.BoolVar(&c.logStatements, "log-statements", false, "log every statement")
	fs.BoolVar(&c.printExamples, "print-examples", false, "print how to connect and example statements")
	fs.BoolVar(&c.syncWrites, "sync-writes", false, "fsync every commit, so that an acknowledged ingest_events batch survives a power loss too (a crash of the process it survives either way)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long a shutdown waits for running statements")
	c.aws.register(fs)
	registerLimitFlags(fs, &c.limits)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 0 {
		return nil, usageErrorf("serve: unexpected argument %q", pos[0])
	}
	switch {
	case c.user == "":
		return nil, usageErrorf("serve: --user is empty")
	case c.password == "" && !c.insecureNoPassword:
		return nil, usageErrorf("serve: no password for user %q: give --password or $%s (or --insecure-no-password for a server no one else can reach)", c.user, envPassword)
	case c.readOnlyUser != "" && c.readOnlyPassword == "" && !c.insecureNoPassword:
		return nil, usageErrorf("serve: no password for read-only user %q: give --readonly-password or $%s", c.readOnlyUser, envReadOnlyPassword)
	case c.readOnlyUser == "" && c.readOnlyPassword != "":
		return nil, usageErrorf("serve: --readonly-password without --readonly-user")
	case c.readOnlyUser != "" && c.readOnlyUser == c.user:
		return nil, usageErrorf("serve: the read-only user must differ from --user")
	case c.shutdownTimeout <= 0:
		return nil, usageErrorf("serve: --shutdown-timeout must be positive")
	}
	if err := c.aws.check(); err != nil {
		return nil, err
	}
	if err := c.limits.Validate(); err != nil {
		return nil, usageErrorf("serve: %v", strings.ReplaceAll(err.Error(), "sqlfront: ", ""))
	}
	return c, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// runServe serves the data directory over the MySQL protocol until
// SIGINT or SIGTERM (ctx), then stops gracefully: running statements
// finish, connections close, the engine folds its pending rollups and Badger
// closes.
func runServe(ctx context.Context, env *env, args []string) error {
	c, err := parseServeFlags(env, args)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.stderr, nil))

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", c.listen, err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	awsLn, awsKeys, err := listenAWS(&c.aws)
	if err != nil {
		return err
	}
	if awsLn != nil {
		defer awsLn.Close()
	}

	env.syncWrites = c.syncWrites
	eng, st, closeAll, err := env.openEngine(fmt.Sprintf("lastaccess serve on %s", addr),
		engine.Options{ReportOwnerOnly: c.reportOwnerOnly, Logger: logger})
	if err != nil {
		return err
	}
	users := []sqlfront.User{{Name: c.user, Password: c.password}}
	if c.readOnlyUser != "" {
		users = append(users, sqlfront.User{Name: c.readOnlyUser, Password: c.readOnlyPassword, ReadOnly: true})
	}
	srv, err := sqlfront.NewServer(eng, sqlfront.Options{
		Listener:           ln,
		Users:              users,
		AllowEmptyPassword: c.insecureNoPassword,
		Logger:             logger,
		LogStatements:      c.logStatements,
		Limits:             c.limits,
	})
	if err != nil {
		return errors.Join(err, closeAll())
	}
	api, err := startAWS(&c.aws, awsLn, awsKeys, eng, logger)
	if err != nil {
		return errors.Join(err, closeAll())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()

	if c.printExamples {
		printExamples(env.stdout, addr, c, eng.Organization())
		if api != nil {
			printAWSExamples(env.stdout, api, eng.Organization())
		}
	}
	if !holdsData(ctx, eng) {
		logger.Warn("no data yet: no organization and no events are stored; load an organization with CALL import_organization(...) or `lastaccess org import FILE`, events with CALL ingest_events(...) or `lastaccess ingest --server "+addr+" PATH...`", "data", env.resolveDataDir())
	}
	logger.Info("serving", "listen", addr, "database", sqlfront.DatabaseName, "user", c.user,
		"readonly_user", c.readOnlyUser, "data", env.resolveDataDir(), "sync_writes", st.SyncWrites())
	if c.password == "" {
		logger.Warn("users without a password are accepted (--insecure-no-password)")
	}

	var awsServed chan error // nil (never ready) without the AWS API
	if api != nil {
		awsServed = api.served
	}
	var serveErr, awsServeErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down: waiting for running statements", "timeout", c.shutdownTimeout)
	case serveErr = <-served:
		served <- serveErr
	case awsServeErr = <-awsServed:
		awsServed <- awsServeErr
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	// Both sides drain at once: statements and requests in flight finish
	// (or the timeout cancels them) before the engine closes.
	awsShut := make(chan error, 1)
	if api != nil {
		go func() { awsShut <- api.srv.Shutdown(sctx) }()
	} else {
		awsShut <- nil
	}
	shutErr := srv.Shutdown(sctx)
	awsShutErr := <-awsShut
	if g := srv.GuardStats(); g != (sqlfront.GuardStats{}) {
		logger.Info("connections refused or closed by the limits", "too_many_connections", g.TooManyConnections,
			"connect_timeouts", g.HandshakeTimeouts, "wait_timeouts", g.IdleTimeouts, "packets_too_large", g.PacketsTooLarge,
			"statements_of_clients_gone", g.ClientsGone, "longest_after_client_gone", g.OutlivedClientMax)
	}
	if err := <-served; serveErr == nil {
		serveErr = err
	}
	if api != nil {
		if err := <-api.served; awsServeErr == nil {
			awsServeErr = err
		}
	}
	closeErr := closeAll()
	if err := errors.Join(serveErr, awsServeErr, shutErr, awsShutErr, closeErr); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// printExamples prints how to connect and three statements that work as
// printed on the data served: a Generate for the organization's root, a
// Get of the newest report, and its details.
func printExamples(w io.Writer, addr string, c *serveConfig, org *engine.Organization) {
	host, port, _ := net.SplitHostPort(addr)
	login := fmt.Sprintf("mysql -h %s -P %s -u %s", host, port, c.user)
	if c.password != "" {
		login += " -p"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nConnect with any MySQL client, e.g.:\n\n  %s %s\n\n", login, sqlfront.DatabaseName)
	if org == nil {
		fmt.Fprintf(&b, "No organization is imported yet: CALL import_organization('<org.json text>') or `lastaccess org import FILE`.\n\n")
		io.WriteString(w, b.String())
		return
	}
	b.WriteString("Then try:\n\n")
	for _, s := range exampleStatements(org.Root.Path) {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	b.WriteString("\n")
	io.WriteString(w, b.String())
}

// exampleStatements are the statements printExamples shows (and the CLI
// test runs): generate a report, pick the newest job, read it.
func exampleStatements(rootPath string) []string {
	return []string{
		fmt.Sprintf("CALL generate_organizations_access_report('%s', NULL);", rootPath),
		"SET @job = (SELECT JobId FROM organizations_access_reports ORDER BY JobCreationDate DESC, JobId LIMIT 1);",
		"CALL get_organizations_access_report(@job, 5, NULL, 'LAST_AUTHENTICATED_TIME_DESCENDING');",
		"SELECT ServiceNamespace, Region, LastAuthenticatedTime, TotalAuthenticatedEntities FROM organizations_access_details WHERE JobId = @job AND TotalAuthenticatedEntities > 0 ORDER BY ServiceNamespace LIMIT 10;",
	}
}

// holdsData reports whether an organization or any event is stored; the
// server says so in its log when neither is.
func holdsData(ctx context.Context, eng *engine.Engine) bool {
	if eng.Organization() != nil {
		return true
	}
	errFound := errors.New("found")
	err := eng.ScanEvents(ctx, engine.EventFilter{}, func(*engine.Event, string) error { return errFound })
	return err != nil
}
