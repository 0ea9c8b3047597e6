package engine

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes of SPEC §4.3, as AWS names them.
const (
	CodeValidationError               = "ValidationError"
	CodeInvalidInput                  = "InvalidInput"
	CodeNoSuchEntity                  = "NoSuchEntity"
	CodeReportGenerationLimitExceeded = "ReportGenerationLimitExceeded"
	// CodeServiceFailure is a failure of lastaccess itself, not of the
	// request: the code of a FAILED job's ErrorDetails.
	CodeServiceFailure = "ServiceFailure"
)

// Error is an AWS-coded error. Frontends map it with errors.As: the CLI
// prints "An error occurred (Code) when calling the Op operation: Message"
// and exits 254, SQL returns SQLSTATE 45000 with "Code: Message".
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the AWS code of err, or "" if err carries none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// validation collects constraint violations the way AWS reports them:
// "2 validation errors detected: Value 'x' at 'maxItems' failed to satisfy
// constraint: ...; Value ...".
type validation struct {
	problems []string
}

func (v *validation) add(value any, member, constraint string) {
	v.problems = append(v.problems, fmt.Sprintf("Value '%v' at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

func (v *validation) err() error {
	switch n := len(v.problems); n {
	case 0:
		return nil
	case 1:
		return &Error{Code: CodeValidationError, Message: "1 validation error detected: " + v.problems[0]}
	default:
		return &Error{Code: CodeValidationError, Message: fmt.Sprintf("%d validation errors detected: %s", n, strings.Join(v.problems, "; "))}
	}
}

// InvalidValue is the ValidationError of one constraint violation, worded
// as AWS words it ("1 validation error detected: Value 'x' at 'maxItems'
// failed to satisfy constraint: …"), for what a frontend checks before
// the engine sees a value (a number or a boolean that does not parse).
func InvalidValue(value any, member, constraint string) *Error {
	var v validation
	v.add(value, member, constraint)
	return v.err().(*Error)
}
