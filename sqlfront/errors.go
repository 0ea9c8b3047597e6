package sqlfront

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dolthub/vitess/go/mysql"

	"lastaccess/engine"
)

// The MySQL errors lastaccess returns itself. Every other error comes from
// go-mysql-server, which maps its own error kinds (sql.CastSQLError).
const (
	// erSignalException is ER_SIGNAL_EXCEPTION, what MySQL's SIGNAL
	// SQLSTATE '45000' raises: the state of an AWS-coded error.
	erSignalException  = 1644
	stateUserException = "45000"

	erSpDoesNotExist   = 1305 // ER_SP_DOES_NOT_EXIST
	erSpWrongNoOfArgs  = 1318 // ER_SP_WRONG_NO_OF_ARGS
	erProcAccessDenied = 1370 // ER_PROCACCESS_DENIED_ERROR
	stateAccessOrName  = "42000"

	erQueryInterrupted  = 1317 // ER_QUERY_INTERRUPTED
	stateQueryInterrupt = "70100"

	erServerShutdown = 1053 // ER_SERVER_SHUTDOWN
	stateNetError    = "08S01"

	erWarnAllowedPacket        = 1301 // ER_WARN_ALLOWED_PACKET_OVERFLOWED (a warning)
	erTruncatedWrongValue      = 1366 // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
	erMaxPreparedStmtCount     = 1461 // ER_MAX_PREPARED_STMT_COUNT_REACHED
	erVariableIsReadonly       = 1621 // ER_VARIABLE_IS_READONLY
	erQueryTimeout             = 3024 // ER_QUERY_TIMEOUT
	erCapacityExceeded         = 3170 // ER_CAPACITY_EXCEEDED
	erClientInteractionTimeout = 4031 // ER_CLIENT_INTERACTION_TIMEOUT
)

// sqlError maps an error of the engine or of this package to what the
// client receives. An AWS-coded *engine.Error becomes SQLSTATE 45000 with
// the code first ("NoSuchEntity: …"); a *mysql.SQLError passes through
// unwrapped (go-mysql-server only keeps it when it is not wrapped); a
// cancelled statement is ER_QUERY_INTERRUPTED. Anything else is left to
// go-mysql-server (1105, HY000): an internal failure, not the caller's.
func sqlError(err error) error {
	if err == nil {
		return nil
	}
	var se *mysql.SQLError
	if errors.As(err, &se) {
		return se
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return awsError(ee.Code, ee.Message)
	}
	if errors.Is(err, context.Canceled) {
		return mysql.NewSQLError(erQueryInterrupted, stateQueryInterrupt, "%s", "Query execution was interrupted")
	}
	return err
}

// awsError is an AWS-coded error as SQL shows it, each value it quotes
// ("Value '…' at 'member'", AWS's wording of a validation error) cut to
// maxEchoBytes.
func awsError(code, message string) *mysql.SQLError {
	return mysql.NewSQLError(erSignalException, stateUserException, "%s", code+": "+shortenValues(message))
}

// shortenValues cuts the values a validation message quotes.
func shortenValues(msg string) string {
	const open, close = "Value '", "' at '"
	if len(msg) <= maxMessageBytes {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.Index(msg, open)
		if i < 0 {
			break
		}
		j := strings.Index(msg[i+len(open):], close)
		if j < 0 {
			break
		}
		value := msg[i+len(open) : i+len(open)+j]
		b.WriteString(msg[:i+len(open)])
		b.WriteString(truncateEcho(value))
		msg = msg[i+len(open)+j:]
	}
	b.WriteString(msg)
	return b.String()
}

// validationError words one constraint violation as AWS does.
func validationError(value any, member, constraint string) *mysql.SQLError {
	return awsError(engine.CodeValidationError,
		fmt.Sprintf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

func errUnknownProcedure(name string) *mysql.SQLError {
	return mysql.NewSQLError(erSpDoesNotExist, stateAccessOrName, "PROCEDURE %s.%s does not exist", DatabaseName, strings.ToLower(name))
}

// errWrongArgCount names the counts a procedure accepts, e.g. "expected
// 1 to 4, got 5".
func errWrongArgCount(name string, min, max, got int) *mysql.SQLError {
	want := fmt.Sprint(max)
	if min != max {
		want = fmt.Sprintf("%d to %d", min, max)
	}
	return mysql.NewSQLError(erSpWrongNoOfArgs, stateAccessOrName,
		"Incorrect number of arguments for PROCEDURE %s.%s; expected %s, got %d", DatabaseName, name, want, got)
}

func errProcedureDenied(user, name string) *mysql.SQLError {
	return mysql.NewSQLError(erProcAccessDenied, stateAccessOrName,
		"execute command denied to user '%s'@'%%' for routine '%s.%s'", user, DatabaseName, name)
}

var errShuttingDown = mysql.NewSQLError(erServerShutdown, stateNetError, "%s", "Server shutdown in progress")

// mysqlStates are the SQLSTATEs MySQL gives errors go-mysql-server
// numbers correctly but leaves at HY000.
var mysqlStates = map[int]string{
	mysql.ERNoSuchTable:   "42S02",
	mysql.ERBadFieldError: "42S22",
	mysql.ERBadDb:         stateAccessOrName,
}

// remapServerError rewrites the errors go-mysql-server words its own way
// for situations MySQL has a dedicated error for, so clients see the
// MySQL number and state. It runs on every failed statement; query is
// the statement's text.
func remapServerError(err error, user, query string) error {
	se, ok := err.(*mysql.SQLError)
	if !ok {
		return err
	}
	if se.Num == mysql.ERUnknownError && (se.Message == context.Canceled.Error() || strings.HasSuffix(se.Message, ": "+context.Canceled.Error())) {
		return errInterrupted // KILL QUERY
	}
	if state, ok := mysqlStates[se.Num]; ok && se.State == mysql.SSUnknownSQLState {
		return mysql.NewSQLError(se.Num, state, "%s", se.Message)
	}
	if se.Num != mysql.ERUnknownError {
		return err
	}
	if strings.HasPrefix(se.Message, "syntax error at position ") {
		return mysql.NewSQLError(mysql.ERParseError, stateAccessOrName, "%s", se.Message)
	}
	if strings.HasPrefix(se.Message, "command denied to user ") {
		if proc := calledProcedure(query); proc != "" {
			return errProcedureDenied(user, proc)
		}
		return mysql.NewSQLError(mysql.ERSpecifiedAccessDenied, stateAccessOrName, "%s", se.Message)
	}
	return err
}

// calledProcedure returns the procedure a CALL statement names ("" for
// other statements).
func calledProcedure(query string) string {
	f := strings.Fields(skipComments(query))
	if len(f) < 2 || !strings.EqualFold(f[0], "call") {
		return ""
	}
	name, _, _ := strings.Cut(f[1], "(")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return strings.ToLower(strings.Trim(name, "`"))
}

func errTooManyPrepared(limit int64) *mysql.SQLError {
	return mysql.NewSQLError(erMaxPreparedStmtCount, stateAccessOrName,
		"Can't create more than max_prepared_stmt_count statements (current value: %d)", limit)
}

// maxMessageBytes is MySQL's MYSQL_ERRMSG_SIZE (512, its terminating
// NUL included): no error message is longer, so no statement or
// parameter is echoed back whole, and clients that copy a message into a
// buffer of that size keep it whole.
const maxMessageBytes = 511

// maxEchoBytes bounds an echo of user input inside an error message, so
// the words around it survive the cut to maxMessageBytes.
const maxEchoBytes = 128

// capMessage cuts a MySQL error's message to maxMessageBytes, ending it
// with "…", and escapes bytes that are not UTF-8. Errors that are not
// MySQL errors become 1105 (HY000) first, as vitess would send them.
func capMessage(err error) error {
	se, ok := err.(*mysql.SQLError)
	if !ok {
		se = mysql.NewSQLErrorFromError(err).(*mysql.SQLError)
	}
	msg := se.Message
	if len(msg) <= maxMessageBytes && utf8.ValidString(msg) {
		return se
	}
	return mysql.NewSQLError(se.Num, se.State, "%s", truncateUTF8(escapeInvalidUTF8(msg), maxMessageBytes))
}

// truncateEcho is user input as an error message or a log line repeats
// it: at most maxEchoBytes, with "…" where it was cut.
func truncateEcho(s string) string {
	return truncateUTF8(escapeInvalidUTF8(s), maxEchoBytes)
}

// truncateUTF8 cuts s to at most max bytes, on a character boundary,
// ending with "…" when it cut.
func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ellipsis = "…"
	cut := max - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// escapeInvalidUTF8 writes the bytes of s that are not UTF-8 as \xHH.
func escapeInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&b, "\\x%02X", s[i])
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}
