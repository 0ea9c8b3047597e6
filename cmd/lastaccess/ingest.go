package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

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
	if err := checkPathsExist(paths); err != nil {
		return err
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

// checkPathsExist refuses the whole ingest, before anything is read or
// opened, when a path does not exist: a typo gets its error first, not
// after a summary of zeros (exit 1, as an ingest with bad input).
func checkPathsExist(paths []string) error {
	var missing []string
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				return &partialError{fmt.Sprintf("ingest: %v", err)}
			}
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return &partialError{fmt.Sprintf("ingest: no such file or directory: %s (nothing was ingested)", strings.Join(missing, ", "))}
	}
	return nil
}
