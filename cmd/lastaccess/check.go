package main

import (
	"context"
	"fmt"
	"strings"

	"lastaccess/engine"
)

// runCheck verifies a data directory: the rollups must equal what the
// event log gives. It prints the event count and a digest of the rollup
// state (equal for directories holding the same events), and exits 1 on a
// mismatch. The crash tests use it as their oracle.
func runCheck(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("check")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("usage: lastaccess check")
	}
	eng, _, closeAll, err := env.openEngine(commandLine("check"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	res, err := eng.Check(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "events: %d\naccounts: %d\nprincipals: %d\nrollup digest: %s\n", res.Events, res.Accounts, res.Principals, res.Digest)
	if len(res.Problems) > 0 {
		fmt.Fprintf(env.stdout, "problems:\n  %s\n", strings.Join(res.Problems, "\n  "))
		closeAll()
		return &partialError{fmt.Sprintf("the rollups do not match the event log (%d problems listed); run `lastaccess rebuild`", len(res.Problems))}
	}
	fmt.Fprintln(env.stdout, "consistent: rollups match the event log")
	return closeAll()
}
