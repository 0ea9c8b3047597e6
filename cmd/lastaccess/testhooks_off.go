//go:build !lastaccess_testhooks

package main

import (
	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/storage"
)

// The shipped binary has no test hooks: these do nothing. The crash tests
// build their own binary with -tags lastaccess_testhooks (testhooks.go).

func hookStore(st *storage.Store) (engine.Store, func()) { return st, func() {} }

func hookJobStarted(*env, string) {}

func hookIngestSink(sink ingest.Sink) (ingest.Sink, func() error, error) {
	return sink, func() error { return nil }, nil
}
