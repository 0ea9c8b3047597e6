package policy

import (
	"errors"
	"fmt"
)

// ErrMalformed is matched (errors.Is) by every error of Parse and ParseText,
// so that callers can map all of them to one AWS code (InvalidInput,
// MalformedPolicyDocument) without parsing messages.
var ErrMalformed = errors.New("policy: malformed policy document")

// ParseError says what is wrong with a policy document and where.
type ParseError struct {
	// Statement is the 1-based position of the statement at fault, 0 when
	// the problem is outside any one statement.
	Statement int
	// Message names the element and the problem, e.g.
	// `Effect must be "Allow" or "Deny", got "allow"`.
	Message string
	// Err is the underlying decoding error, if any (a *json.SyntaxError for
	// invalid JSON).
	Err error
}

func (e *ParseError) Error() string {
	if e.Statement > 0 {
		return fmt.Sprintf("policy: statement %d: %s", e.Statement, e.Message)
	}
	return "policy: " + e.Message
}

func (e *ParseError) Unwrap() error { return e.Err }

// Is makes every ParseError match ErrMalformed.
func (e *ParseError) Is(target error) bool { return target == ErrMalformed }

func documentError(format string, args ...any) *ParseError {
	return &ParseError{Message: fmt.Sprintf(format, args...)}
}

func statementError(statement int, format string, args ...any) *ParseError {
	return &ParseError{Statement: statement, Message: fmt.Sprintf(format, args...)}
}
