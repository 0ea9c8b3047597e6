package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"lastaccess/sqlfront"
)

// registerLimitFlags adds serve's flags for the MySQL limits, named as
// MySQL's system variables (the admin may also change them with SET
// GLOBAL while the server runs). Sizes take MySQL's K, M and G suffixes;
// times are Go durations (10s, 8h).
func registerLimitFlags(fs *flag.FlagSet, l *sqlfront.Limits) {
	*l = sqlfront.Limits{
		MaxAllowedPacket:     sqlfront.DefaultMaxAllowedPacket,
		MaxConnections:       sqlfront.DefaultMaxConnections,
		ConnectTimeout:       sqlfront.DefaultConnectTimeout,
		WaitTimeout:          sqlfront.DefaultWaitTimeout,
		MaxPreparedStmtCount: sqlfront.DefaultMaxPreparedStmtCount,
		StatementMemory:      sqlfront.DefaultStatementMemory,
		TotalStatementMemory: sqlfront.DefaultTotalStatementMemory,
	}
	fs.Var((*byteSize)(&l.MaxAllowedPacket), "max-allowed-packet", "max_allowed_packet: longest client packet and string function result (1153, warning 1301)")
	fs.IntVar(&l.MaxConnections, "max-connections", l.MaxConnections, "max_connections: open connections (1040 past it; one more for the admin)")
	fs.DurationVar(&l.ConnectTimeout, "connect-timeout", l.ConnectTimeout, "connect_timeout: time to finish the login, whole seconds")
	fs.DurationVar(&l.WaitTimeout, "wait-timeout", l.WaitTimeout, "wait_timeout and interactive_timeout: idle time before a connection closes (4031), whole seconds")
	fs.DurationVar(&l.MaxExecutionTime, "max-execution-time", l.MaxExecutionTime, "max_execution_time: a statement's longest run (3024); 0 for none")
	fs.IntVar(&l.MaxPreparedStmtCount, "max-prepared-stmt-count", l.MaxPreparedStmtCount, "max_prepared_stmt_count: prepared statements of all connections (1461)")
	fs.Var((*byteSize)(&l.StatementMemory), "statement-memory-limit", "lastaccess_statement_memory_limit: bytes a statement's intermediate results may hold (3170)")
	fs.Var((*byteSize)(&l.TotalStatementMemory), "total-statement-memory-limit", "lastaccess_total_statement_memory_limit: bytes the intermediate results of all running statements may hold (3170)")
}

// byteSize is a flag of bytes: a number with an optional K, M or G
// suffix (powers of 1024), as mysqld takes them.
type byteSize int64

func (b *byteSize) String() string {
	if b == nil {
		return "0"
	}
	n := int64(*b)
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"G", 30}, {"M", 20}, {"K", 10}} {
		if n != 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	shift := uint(0)
	switch strings.ToUpper(s[len(s)-min(len(s), 1):]) {
	case "K":
		shift = 10
	case "M":
		shift = 20
	case "G":
		shift = 30
	}
	digits := s
	if shift > 0 {
		digits = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return fmt.Errorf("%q is not a size in bytes (a number, optionally with K, M or G)", s)
	}
	*b = byteSize(n << shift)
	return nil
}

// argName is the value's placeholder in help.
func (b *byteSize) argName() string { return "SIZE" }
