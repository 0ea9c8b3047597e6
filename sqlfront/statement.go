package sqlfront

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dolthub/vitess/go/mysql"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
)

// statement is one client statement under its limits: a context that
// ends at max_execution_time, when the client goes away or at KILL, and
// a memory budget (statement_memory.go) that the context carries.
type statement struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	stop   context.CancelFunc // releases the deadline's timer; nil without one
	budget *memoryBudget
	start  time.Time
	gc     *guardedConn
	goneAt atomic.Int64 // when the client went away (unix ns), 0 while it is there
}

var (
	// errExecutionTime is the cause of a statement's context that reached
	// max_execution_time.
	errExecutionTime = errors.New("sqlfront: max_execution_time exceeded")
	errQueryTimeout  = mysql.NewSQLError(erQueryTimeout, mysql.SSUnknownSQLState, "%s",
		"Query execution was interrupted, maximum statement execution time exceeded")
	errInterrupted = mysql.NewSQLError(erQueryInterrupted, stateQueryInterrupt, "%s", "Query execution was interrupted")
)

// start admits a statement and sets up its limits: the text must be UTF-8
// (error 1366), the server must not be shutting down.
func (h *handler) start(ctx context.Context, c *mysql.Conn, query string) (*statement, error) {
	if err := checkUTF8(query, "statement"); err != nil {
		return nil, err
	}
	if !h.begin() {
		return nil, errShuttingDown
	}
	st := &statement{start: time.Now(), gc: guardOf(c)}
	if st.gc != nil {
		st.gc.responded() // the statement before, in a multi-statement query
		// A client that sent its next command before reading the end of
		// a prepared CALL's results gets it first.
		if err := st.gc.endBinaryCall(); err != nil {
			h.end()
			return nil, err
		}
	}
	sctx, cancel := context.WithCancelCause(ctx)
	st.cancel = cancel
	if ms := sessionInt(h.session(c.ConnectionID), varMaxExecutionTime, 0); ms > 0 && !h.f.changesData(query) {
		sctx, st.stop = context.WithTimeoutCause(sctx, time.Duration(ms)*time.Millisecond, errExecutionTime)
	}
	st.budget = newMemoryBudget(globalInt(varStatementMemory, DefaultStatementMemory), &h.f.memory, globalInt(varTotalMemory, DefaultTotalStatementMemory))
	st.ctx = withMemoryBudget(sctx, st.budget)
	if st.gc != nil {
		st.gc.watchStatement(func() {
			st.goneAt.Store(time.Now().UnixNano())
			cancel(errClientGone)
		})
	}
	return st, nil
}

// finish ends a statement: the connection goes idle (wait_timeout), the
// error becomes the one MySQL gives, capped in length, and the statement
// is logged when asked. It stays in flight (for a shutdown's drain) until
// vitess has written its response: until the connection reads again.
func (h *handler) finish(st *statement, c *mysql.Conn, kind, query string, err error) error {
	if st.gc != nil {
		st.gc.afterResponse = h.end
	} else {
		defer h.end()
	}
	if st.gc != nil {
		wait := sessionInt(h.session(c.ConnectionID), varWaitTimeout, int64(DefaultWaitTimeout/time.Second))
		st.gc.endStatement(&wait)
	}
	if err != nil {
		err = st.interruption(err)
		err = remapServerError(err, c.User, query)
		err = capMessage(err)
	}
	if st.stop != nil {
		st.stop()
	}
	st.cancel(nil)
	st.budget.release()
	if gone := st.goneAt.Load(); gone != 0 {
		st.gc.l.statementOutlived(time.Duration(time.Now().UnixNano() - gone))
	}
	h.logStatement(c, kind, query, st.start, err)
	return err
}

// interruption says why a statement that failed was stopped, when the
// server stopped it: its memory budget, max_execution_time, or its client
// going away. Otherwise err stands.
func (st *statement) interruption(err error) error {
	if st.budget.exceeded() {
		return st.budget.err()
	}
	switch context.Cause(st.ctx) {
	case errExecutionTime:
		return errQueryTimeout
	case errClientGone:
		return errInterrupted // no one reads it; for the log
	}
	return err
}

// changesData says whether query calls a procedure that changes stored
// data: max_execution_time does not interrupt those, as MySQL's applies
// only to reads.
func (f *frontend) changesData(query string) bool {
	name := calledProcedure(query)
	if name == "" {
		return false
	}
	r, ok := f.procs.byName[name]
	return ok && r.p.admin
}

// checkUTF8 refuses text that is not UTF-8 with MySQL's error for a
// string its character set cannot hold (1366), naming the first bad
// bytes and their offset rather than echoing the text.
func checkUTF8(s, what string) error {
	if utf8.ValidString(s) {
		return nil
	}
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	var b strings.Builder
	end := min(i+6, len(s))
	for _, c := range []byte(s[i:end]) {
		b.WriteString(`\x`)
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	if end < len(s) {
		b.WriteString("...")
	}
	return mysql.NewSQLError(erTruncatedWrongValue, mysql.SSUnknownSQLState,
		"Incorrect string value: '%s' in the %s at byte %d: the connection's character set is utf8mb4", b.String(), what, i)
}

// checkBindVars applies checkUTF8 to the string parameters of a prepared
// statement. Clients send strings as binary strings (go-sql-driver's
// arrive as VARBINARY); nothing of lastaccess takes bytes that are not
// text, and MySQL reads a string parameter in the connection's character
// set.
func checkBindVars(vars map[string]*querypb.BindVariable) error {
	for _, v := range vars {
		if v == nil {
			continue
		}
		switch v.Type {
		case querypb.Type_VARCHAR, querypb.Type_CHAR, querypb.Type_TEXT,
			querypb.Type_VARBINARY, querypb.Type_BINARY, querypb.Type_BLOB:
			if err := checkUTF8(string(v.Value), "parameter"); err != nil {
				return err
			}
		}
	}
	return nil
}
