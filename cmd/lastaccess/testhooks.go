//go:build lastaccess_testhooks

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/storage"
)

// Hooks for the crash tests, compiled only into the binary they build
// with -tags lastaccess_testhooks; the shipped binary has none
// (testhooks_off.go). Each is switched on by a variable of the
// environment:
//
//	LASTACCESS_TEST_JOB_DELAY=D     every report job's final record is
//	                                written D late, so the job stays
//	                                IN_PROGRESS: time to kill the process
//	LASTACCESS_TEST_PRINT_JOB_ID=1  a Generate prints its job id at once
//	LASTACCESS_TEST_ACK_LOG=FILE    ingest --server writes the event ids
//	                                of every batch the server acknowledged

// hookStore wraps the store the engine gets; release ends any delay (the
// engine then closes without waiting for it).
func hookStore(st *storage.Store) (engine.Store, func()) {
	d, err := time.ParseDuration(os.Getenv("LASTACCESS_TEST_JOB_DELAY"))
	if err != nil || d <= 0 {
		return st, func() {}
	}
	s := &delayedJobs{Store: st, delay: d, released: make(chan struct{})}
	return s, func() { close(s.released) }
}

// delayedJobs holds back every report job's final record.
type delayedJobs struct {
	*storage.Store
	delay    time.Duration
	released chan struct{}
}

func (s *delayedJobs) PutJob(id string, record []byte, inProgress bool) error {
	if !inProgress {
		select {
		case <-time.After(s.delay):
		case <-s.released:
		}
	}
	return s.Store.PutJob(id, record, inProgress)
}

func hookJobStarted(env *env, id string) {
	if os.Getenv("LASTACCESS_TEST_PRINT_JOB_ID") != "" {
		fmt.Fprintln(env.stdout, id)
	}
}

// hookIngestSink logs what the server acknowledged: the crash tests check
// that each of it is stored after the server was stopped or killed
// mid-ingest.
func hookIngestSink(sink ingest.Sink) (ingest.Sink, func() error, error) {
	path := os.Getenv("LASTACCESS_TEST_ACK_LOG")
	if path == "" {
		return sink, func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return &ackLog{Sink: sink, w: f}, f.Close, nil
}

// ackLog writes the event ids of every acknowledged batch, a batch per
// line, as soon as it is acknowledged.
type ackLog struct {
	ingest.Sink
	w *os.File
}

func (a *ackLog) Append(ctx context.Context, events []engine.Event) (engine.AppendResult, error) {
	res, err := a.Sink.Append(ctx, events)
	if err != nil {
		return res, err
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	if _, werr := a.w.WriteString(strings.Join(ids, " ") + "\n"); werr != nil {
		return res, werr
	}
	return res, nil
}
