package awsfront

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"lastaccess/engine"
)

// The error codes of the wire that are not the engine's (SPEC §7): AWS's
// common errors, as its Query APIs name them.
const (
	codeInvalidAction              = "InvalidAction"
	codeMissingAction              = "MissingAction"
	codeMissingParameter           = "MissingParameter"
	codeMalformedQueryString       = "MalformedQueryString"
	codeInvalidClientTokenID       = "InvalidClientTokenId"
	codeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	codeIncompleteSignature        = "IncompleteSignature"
	codeMissingAuthenticationToken = "MissingAuthenticationToken"
	codeRequestExpired             = "RequestExpired"
	codeAccessDenied               = "AccessDenied"
	codeMethodNotAllowed           = "MethodNotAllowed"
	codeRequestTimeout             = "RequestTimeout"
)

// wireStatus is the HTTP status of each code this frontend answers with:
// the engine's (SPEC §4.3) and the wire's own. Any other is a failure of
// the server (500).
var wireStatus = map[string]int{
	engine.CodeValidationError:               http.StatusBadRequest,
	engine.CodeInvalidInput:                  http.StatusBadRequest,
	engine.CodeNoSuchEntity:                  http.StatusNotFound,
	engine.CodeReportGenerationLimitExceeded: http.StatusConflict,
	codeInvalidAction:                        http.StatusBadRequest,
	codeMissingAction:                        http.StatusBadRequest,
	codeMissingParameter:                     http.StatusBadRequest,
	codeMalformedQueryString:                 http.StatusNotFound, // as AWS's common errors list it
	codeInvalidClientTokenID:                 http.StatusForbidden,
	codeSignatureDoesNotMatch:                http.StatusForbidden,
	codeIncompleteSignature:                  http.StatusBadRequest,
	codeMissingAuthenticationToken:           http.StatusForbidden,
	codeRequestExpired:                       http.StatusBadRequest,
	codeAccessDenied:                         http.StatusForbidden,
	codeMethodNotAllowed:                     http.StatusMethodNotAllowed,
	codeRequestTimeout:                       http.StatusBadRequest,
}

// apiError is what the client receives: an ErrorResponse with Type,
// Code and Message, and the HTTP status.
type apiError struct {
	status  int
	code    string
	message string
	// receiver marks a failure of the server, not of the request (Type
	// Receiver, 5xx): SDKs retry those.
	receiver bool
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func newError(code, format string, args ...any) *apiError {
	status, ok := wireStatus[code]
	if !ok {
		status = http.StatusBadRequest
	}
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// validationError is a ValidationError worded as AWS words one
// constraint violation (the engine words the others).
func validationError(value any, member, constraint string) *apiError {
	return wireError(engine.InvalidValue(value, member, constraint))
}

// wireError maps any error of the engine or of this package to what the
// client receives; this is the one mapping of the frontend. An AWS-coded
// engine.Error keeps its code and status; anything else is a failure of
// the server (ServiceFailure, 500), the only 5xx this frontend returns.
func wireError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		status, ok := wireStatus[ee.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		out := &apiError{status: status, code: ee.Code, message: ee.Message}
		out.receiver = out.status >= 500
		return out
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "The request was cancelled: the client closed the connection or the server is stopping."
	}
	return &apiError{status: http.StatusInternalServerError, code: engine.CodeServiceFailure,
		message: "The request processing has failed because of an internal error: " + msg, receiver: true}
}
