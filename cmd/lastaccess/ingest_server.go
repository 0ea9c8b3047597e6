package main

import (
	"context"
	"fmt"

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
	dest, closeHook, err := hookIngestSink(sink)
	if err != nil {
		return fmt.Errorf("ingest --server: %w", err)
	}
	defer closeHook()
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
