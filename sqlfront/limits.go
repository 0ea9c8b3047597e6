package sqlfront

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// Limits bound what one client can take from the server (SPEC §5.2), with
// MySQL's names, defaults and errors. Each is also a global system
// variable of the same name: the values here are what the server starts
// with, and the admin may change them with SET GLOBAL (any other user
// gets error 1227). A zero field means its default.
//
// go-mysql-server keeps system variables process-wide, so one Server per
// process has them to itself: a second NewServer in the same process
// resets them to its own Limits.
type Limits struct {
	// MaxAllowedPacket (max_allowed_packet) bounds one packet from a
	// client (a longer one is error 1153 and the connection closes) and
	// every string a function builds (NULL and warning 1301 instead).
	// Default 64 MiB, as MySQL 8.0; at most 1 GiB.
	MaxAllowedPacket int64
	// MaxConnections (max_connections) bounds the open connections; past
	// it a client gets error 1040. One connection more is kept for an
	// admin, as MySQL keeps one for a SUPER user. Default 151.
	MaxConnections int
	// ConnectTimeout (connect_timeout) is how long a client may take from
	// connecting to the end of its login; then the server closes the
	// connection. Whole seconds, at least 2. Default 10 s.
	ConnectTimeout time.Duration
	// WaitTimeout (wait_timeout, and interactive_timeout for clients that
	// say they are interactive, as the mysql client does) closes a
	// connection idle that long, after error 4031. Whole seconds. Default
	// 8 h.
	WaitTimeout time.Duration
	// MaxExecutionTime (max_execution_time) interrupts a statement that
	// runs longer, with error 3024; each session may set its own. Data
	// changes (ingest_events, the imports, Generate) are not interrupted.
	// Milliseconds. Default 0: no limit, as MySQL.
	MaxExecutionTime time.Duration
	// MaxPreparedStmtCount (max_prepared_stmt_count) bounds the prepared
	// statements of all connections together; past it PREPARE is error
	// 1461. Default 16 382.
	MaxPreparedStmtCount int
	// StatementMemory (lastaccess_statement_memory_limit) bounds the
	// bytes one statement's intermediate results may hold: rows kept by
	// sorts, windows, hash joins, cached subqueries, UNION and
	// GROUP_CONCAT or JSON_ARRAYAGG, and an estimate per group or distinct
	// row (statement_memory.go). Past it the statement stops with error
	// 3170. MySQL spills such results to disk; lastaccess has no
	// temporary files. Default 128 MiB.
	StatementMemory int64
	// TotalStatementMemory (lastaccess_total_statement_memory_limit)
	// bounds the same bytes for all statements running together, so that
	// max_connections statements cannot each take StatementMemory: the
	// statement that would pass it stops with error 3170. Default 256
	// MiB.
	TotalStatementMemory int64
}

// The limits' defaults.
const (
	DefaultMaxAllowedPacket     = 64 << 20
	DefaultMaxConnections       = 151
	DefaultConnectTimeout       = 10 * time.Second
	DefaultWaitTimeout          = 8 * time.Hour
	DefaultMaxPreparedStmtCount = 16382
	DefaultStatementMemory      = 128 << 20
	DefaultTotalStatementMemory = 256 << 20
)

// The system variables behind Limits.
const (
	varMaxAllowedPacket     = "max_allowed_packet"
	varMaxConnections       = "max_connections"
	varConnectTimeout       = "connect_timeout"
	varWaitTimeout          = "wait_timeout"
	varInteractiveTimeout   = "interactive_timeout"
	varMaxExecutionTime     = "max_execution_time"
	varMaxPreparedStmtCount = "max_prepared_stmt_count"
	varStatementMemory      = "lastaccess_statement_memory_limit"
	varTotalMemory          = "lastaccess_total_statement_memory_limit"
	varVersion              = "version"
	varNetWriteTimeout      = "net_write_timeout"
)

// maxPacketCeiling is MySQL's largest max_allowed_packet.
const maxPacketCeiling = 1 << 30

func (l *Limits) ensureDefaults() {
	if l.MaxAllowedPacket == 0 {
		l.MaxAllowedPacket = DefaultMaxAllowedPacket
	}
	if l.MaxConnections == 0 {
		l.MaxConnections = DefaultMaxConnections
	}
	if l.ConnectTimeout == 0 {
		l.ConnectTimeout = DefaultConnectTimeout
	}
	if l.WaitTimeout == 0 {
		l.WaitTimeout = DefaultWaitTimeout
	}
	if l.MaxPreparedStmtCount == 0 {
		l.MaxPreparedStmtCount = DefaultMaxPreparedStmtCount
	}
	if l.StatementMemory == 0 {
		l.StatementMemory = DefaultStatementMemory
	}
	if l.TotalStatementMemory == 0 {
		l.TotalStatementMemory = DefaultTotalStatementMemory
	}
}

// Validate reports limits outside the ranges MySQL accepts.
func (l *Limits) Validate() error {
	var errs []error
	check := func(ok bool, format string, a ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("sqlfront: "+format, a...))
		}
	}
	check(l.MaxAllowedPacket == 0 || l.MaxAllowedPacket >= 1024 && l.MaxAllowedPacket <= maxPacketCeiling,
		"max_allowed_packet %d is not between 1024 and %d bytes", l.MaxAllowedPacket, maxPacketCeiling)
	check(l.MaxConnections >= 0 && l.MaxConnections <= 100000, "max_connections %d is not between 1 and 100000", l.MaxConnections)
	check(l.ConnectTimeout == 0 || l.ConnectTimeout >= 2*time.Second && l.ConnectTimeout%time.Second == 0,
		"connect_timeout %s is not a whole number of seconds, at least 2", l.ConnectTimeout)
	check(l.WaitTimeout == 0 || l.WaitTimeout >= time.Second && l.WaitTimeout%time.Second == 0,
		"wait_timeout %s is not a whole number of seconds, at least 1", l.WaitTimeout)
	check(l.MaxExecutionTime >= 0 && l.MaxExecutionTime%time.Millisecond == 0,
		"max_execution_time %s is not a whole number of milliseconds", l.MaxExecutionTime)
	check(l.MaxPreparedStmtCount >= 0 && l.MaxPreparedStmtCount <= 4194304,
		"max_prepared_stmt_count %d is not between 0 and 4194304", l.MaxPreparedStmtCount)
	check(l.StatementMemory == 0 || l.StatementMemory >= 1<<20, "the statement memory limit %d is under 1 MiB", l.StatementMemory)
	check(l.TotalStatementMemory == 0 || l.TotalStatementMemory >= 1<<20, "the total statement memory limit %d is under 1 MiB", l.TotalStatementMemory)
	return errors.Join(errs...)
}

// memoryVars are lastaccess's own system variables: global only, so only
// the admin changes them.
var memoryVars = []sql.SystemVariable{
	&sql.MysqlSystemVariable{
		Name:    varStatementMemory,
		Scope:   sql.GetMysqlScope(sql.SystemVariableScope_Global),
		Dynamic: true,
		Type:    types.NewSystemIntType(varStatementMemory, 1<<20, math.MaxInt64, false),
		Default: int64(DefaultStatementMemory),
	},
	&sql.MysqlSystemVariable{
		Name:    varTotalMemory,
		Scope:   sql.GetMysqlScope(sql.SystemVariableScope_Global),
		Dynamic: true,
		Type:    types.NewSystemIntType(varTotalMemory, 1<<20, math.MaxInt64, false),
		Default: int64(DefaultTotalStatementMemory),
	},
}

// applyGlobals sets the system variables of the limits, and the version
// version() and @@version answer, to the server's options.
func applyGlobals(l Limits, version string) error {
	sql.SystemVariables.AddSystemVariables(memoryVars)
	return sql.SystemVariables.AssignValues(map[string]any{
		varMaxAllowedPacket:     l.MaxAllowedPacket,
		varMaxConnections:       int64(l.MaxConnections),
		varConnectTimeout:       int64(l.ConnectTimeout / time.Second),
		varWaitTimeout:          int64(l.WaitTimeout / time.Second),
		varInteractiveTimeout:   int64(l.WaitTimeout / time.Second),
		varMaxExecutionTime:     l.MaxExecutionTime.Milliseconds(),
		varMaxPreparedStmtCount: int64(l.MaxPreparedStmtCount),
		varStatementMemory:      l.StatementMemory,
		varTotalMemory:          l.TotalStatementMemory,
		varVersion:              version,
	})
}

// globalInt reads an integer global system variable; def when it is not
// set or not an integer.
func globalInt(name string, def int64) int64 {
	_, v, ok := sql.SystemVariables.GetGlobal(name)
	if !ok {
		return def
	}
	if n, ok := toInt64(v); ok {
		return n
	}
	return def
}

// sessionInt reads an integer system variable of a session (its global
// value when the session has none).
func sessionInt(s sql.Session, name string, def int64) int64 {
	if s == nil {
		return globalInt(name, def)
	}
	v, err := s.GetSessionVariable(nil, name)
	if err != nil {
		return globalInt(name, def)
	}
	if n, ok := toInt64(v); ok {
		return n
	}
	return def
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint64:
		if n > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(n), true
	case uint32:
		return int64(n), true
	}
	return 0, false
}

func seconds(n int64) time.Duration {
	if n > int64(math.MaxInt64/time.Second) {
		return math.MaxInt64
	}
	return time.Duration(n) * time.Second
}
