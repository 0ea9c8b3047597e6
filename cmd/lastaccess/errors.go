package main

import (
	"errors"
	"fmt"

	"lastaccess/engine"
	"lastaccess/storage"
)

// Exit codes follow the AWS CLI's: 252 for a command line it cannot
// parse, 254 for an error the service returned, 255 for any other
// failure. An ingest that stored what it could but met bad input exits 1.
const (
	exitPartial = 1
	exitUsage   = 252
	exitService = 254
	exitOther   = 255
)

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// operationError is an AWS-coded error from a named API operation.
type operationError struct {
	op  string
	err error
}

func (e *operationError) Error() string { return e.err.Error() }
func (e *operationError) Unwrap() error { return e.err }

func inOperation(op string, err error) error {
	if err == nil {
		return nil
	}
	return &operationError{op: op, err: err}
}

// noDataError: a read-only command was given a data directory that holds
// no data (a typo in --data, most often). Nothing is created.
type noDataError struct{ dir, command string }

func (e *noDataError) Error() string {
	return fmt.Sprintf("no lastaccess data directory at %s (nothing was created there). `lastaccess org import FILE`, `lastaccess iam import FILE...` or `lastaccess ingest PATH...` creates one; name another with --data DIR or $LASTACCESS_DATA", e.dir)
}

// partialError: the command did its work but some input was bad; the
// details were already printed.
type partialError struct{ msg string }

func (e *partialError) Error() string { return e.msg }

// fail prints err the way the AWS CLI would and returns the exit code.
func (env *env) fail(err error) int {
	if err == nil {
		return 0
	}
	var ae *engine.Error
	var oe *operationError
	var ue *usageError
	var pe *partialError
	var pv *paramValidationError
	var pp *parameterParseError
	switch {
	case errors.As(err, &pv):
		fmt.Fprintf(env.stderr, "\n%s\n", pv.Error())
		return exitUsage
	case errors.As(err, &pp):
		fmt.Fprintf(env.stderr, "\n%s\n", pp.msg)
		return exitUsage
	case errors.As(err, &ae):
		op := "the"
		if errors.As(err, &oe) {
			op = oe.op
		}
		fmt.Fprintf(env.stderr, "\nAn error occurred (%s) when calling the %s operation: %s\n", ae.Code, op, ae.Message)
		return exitService
	case errors.As(err, &ue):
		fmt.Fprintf(env.stderr, "lastaccess: error: %s\n", ue.msg)
		if env.command != nil {
			fmt.Fprintf(env.stderr, "Run `lastaccess help %s` for its flags and an example.\n", env.command.path)
		} else {
			fmt.Fprintf(env.stderr, "Run `lastaccess help` for the commands.\n")
		}
		return exitUsage
	case errors.As(err, &pe):
		fmt.Fprintf(env.stderr, "lastaccess: %s\n", pe.msg)
		return exitPartial
	case errors.Is(err, storage.ErrLocked):
		fmt.Fprintf(env.stderr, "lastaccess: %v\nStop that process, or send events to a running server with `lastaccess ingest --server HOST:PORT PATH...`.\n", err)
		return exitOther
	}
	fmt.Fprintf(env.stderr, "lastaccess: %v\n", err)
	return exitOther
}
