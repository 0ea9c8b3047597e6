package main

import (
	"context"
	"fmt"

	"lastaccess/engine"
	"lastaccess/ingest"
)

func runIngest(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("ingest")
	server := fs.String("server", "", "send the records to a running server at HOST:PORT instead")
	noProgress := fs.Bool("no-progress", false, "no progress display on a terminal")
	paths, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usageErrorf("usage: lastaccess ingest [--server HOST:PORT] PATH... | -")
	}
	opts := ingest.Options{Stdin: env.stdin, Progress: env.stderr, NoProgress: *noProgress}
	if *server != "" {
		return ingestViaServer(ctx, env, *server, paths, opts)
	}
	eng, _, closeAll, err := env.openEngine(commandLine("ingest"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	opts.Catalog = eng.Catalog()
	sum, runErr := ingest.Run(ctx, paths, eng, opts)
	sum.WriteText(env.stdout)
	// Closing folds the pending rollup changes, so the next report starts fast.
	if err := closeAll(); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	if sum.Failed() {
		return &partialError{fmt.Sprintf("ingest finished with errors: %d files failed, %d malformed records", sum.FilesFailed, sum.Malformed)}
	}
	return nil
}
