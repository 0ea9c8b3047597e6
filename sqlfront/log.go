package sqlfront

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	vtlog "github.com/dolthub/vitess/go/vt/log"
	"github.com/sirupsen/logrus"
)

// go-mysql-server logs through logrus and its vitess fork through the
// standard library's log package, both process-wide. routeLogs sends them
// to the slog.Logger of the most recently started Server:
//
//   - vitess's connection errors (a failed handshake, a wrong password, a
//     broken connection) become one line each at Warn;
//   - its per-statement complaints (a statement that fails to prepare)
//     and its informational lines go to Debug, as do go-mysql-server's
//     query logs; by default nothing is logged per query.
var (
	routeOnce sync.Once
	logTarget atomic.Pointer[slog.Logger]
)

func routeLogs(logger *slog.Logger) {
	logTarget.Store(logger)
	routeOnce.Do(func() {
		vtlog.Info = func(a ...any) { logVitess(slog.LevelDebug, fmt.Sprint(a...)) }
		vtlog.Infof = func(f string, a ...any) { logVitess(slog.LevelDebug, fmt.Sprintf(f, a...)) }
		vtlog.Warning = func(a ...any) { logVitess(slog.LevelWarn, fmt.Sprint(a...)) }
		vtlog.Warningf = func(f string, a ...any) { logVitess(slog.LevelWarn, fmt.Sprintf(f, a...)) }
		vtlog.Error = func(a ...any) { logVitess(slog.LevelWarn, fmt.Sprint(a...)) }
		vtlog.Errorf = func(f string, a ...any) { logVitess(slog.LevelWarn, fmt.Sprintf(f, a...)) }

		logrus.SetLevel(logrus.ErrorLevel)
		logrus.SetOutput(logrusWriter{})
		logrus.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableQuote: true})
	})
}

// quietMessages are log lines that are no connection error: complaints
// about one statement (whose client receives the error anyway), and a
// connection the server itself closed (at shutdown).
var quietMessages = []string{
	"unable to prepare query",
	"Error while parsing prepared statement",
	"error splitting query",
	"use of closed network connection",
	// A failed login: loginGuard logs it with the client's address.
	"Error authenticating user",
	// A login cut by connect_timeout: the guard logs it.
	"i/o timeout",
}

func isQuiet(msg string) bool {
	for _, q := range quietMessages {
		if strings.Contains(msg, q) {
			return true
		}
	}
	return false
}

func logVitess(level slog.Level, msg string) {
	l := logTarget.Load()
	if l == nil {
		return
	}
	if isQuiet(msg) {
		level = slog.LevelDebug
	}
	l.Log(context.Background(), level, strings.TrimSpace(msg), "component", "mysql")
}

// logrusWriter forwards go-mysql-server's logrus lines (errors only).
type logrusWriter struct{}

func (logrusWriter) Write(p []byte) (int, error) {
	if l := logTarget.Load(); l != nil {
		msg := strings.TrimSpace(string(p))
		level := slog.LevelError
		if isQuiet(msg) {
			level = slog.LevelDebug
		}
		l.Log(context.Background(), level, msg, "component", "go-mysql-server")
	}
	return len(p), nil
}
