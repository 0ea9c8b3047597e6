package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"lastaccess/engine"
	"lastaccess/ingest"
	"lastaccess/sqlfront/sqlsink"
)

// ingestViaServer is `lastaccess ingest --server HOST:PORT PATH…`: the
// files are read and classified here, exactly as a local ingest does, and
// each batch of access events goes to the server through CALL
// ingest_events. The summary is the local ingest's, with the server's
// counts of ingested and duplicate events. The account is $LASTACCESS_USER
// (default root) with $LASTACCESS_PASSWORD.
func ingestViaServer(ctx context.Context, env *env, server string, paths []string, opts ingest.Options) error {
	sink, err := sqlsink.Dial(ctx, server, envOr(envUser, defaultUser), envOr(envPassword, ""))
	if err != nil {
		return fmt.Errorf("ingest --server: %w", err)
	}
	defer sink.Close()
	var dest ingest.Sink = sink
	if path := os.Getenv("LASTACCESS_TEST_ACK_LOG"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("ingest --server: %w", err)
		}
		defer f.Close()
		dest = &ackLog{Sink: sink, w: f}
	}
	sum, runErr := ingest.Run(ctx, paths, dest, opts)
	sum.WriteText(env.stdout)
	if runErr != nil {
		return runErr
	}
	if sum.Failed() {
		return &partialError{fmt.Sprintf("ingest finished with errors: %d files failed, %d malformed records", sum.FilesFailed, sum.Malformed)}
	}
	return nil
}

// ackLog writes the event ids of every batch the server acknowledged to
// $LASTACCESS_TEST_ACK_LOG, a batch per line, as soon as it is
// acknowledged: the crash tests check that each of them is stored after
// the server was stopped or killed mid-ingest.
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
