package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"lastaccess/engine"
)

// Deciding on SCPs (SPEC §8): `scp what-if` and `scp recommend` print
// JSON; their reports are ordinary Organizations jobs that `iam
// get-organizations-access-report` reads.

// Operation names for errors ("when calling the SCPWhatIf operation").
const (
	opSCPWhatIf    = "SCPWhatIf"
	opRecommendSCP = "RecommendSCP"
	opDiffReports  = "DiffReports"
)

func runSCPWhatIf(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("scp what-if")
	path := fs.String("entity-path", "", "the root, OU or account path whose report to compute (o-…/r-…[/ou-…]…[/ACCOUNT])")
	changesFile := fs.String("changes", "", "FILE holding the change set, a JSON array of Attach, Detach and Replace (- for stdin)")
	policyID := fs.String("organizations-policy-id", "", "an SCP: report only the services it allows, for the accounts it applies to")
	days := fs.Int("days", engine.DefaultWhatIfDays, "the impact window, in days before now")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || !flagGiven(fs, "entity-path") || !flagGiven(fs, "changes") {
		return usageErrorf("usage: lastaccess scp what-if --entity-path P --changes FILE [--organizations-policy-id ID] [--days N]")
	}
	changes, err := readArgFile(env, *changesFile)
	if err != nil {
		return err
	}
	in := engine.SCPWhatIfInput{EntityPath: *path, Changes: string(changes)}
	if flagGiven(fs, "organizations-policy-id") {
		in.OrganizationsPolicyID = policyID
	}
	if flagGiven(fs, "days") {
		in.Days = days
	}
	eng, _, closeAll, err := env.openEngine(commandLine("scp", "what-if"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	id, err := eng.GenerateSCPWhatIf(ctx, in)
	if err != nil {
		return inOperation(opSCPWhatIf, err)
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		return err
	}
	impact, err := eng.WhatIfImpact(ctx, id, "")
	if err != nil {
		return inOperation(opSCPWhatIf, err)
	}
	if err := env.printJSON(engine.SCPWhatIfResult{JobID: id, Impact: impact}); err != nil {
		return err
	}
	return closeAll()
}

// readArgFile reads a file a flag names, or stdin for "-".
func readArgFile(env *env, name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(env.stdin)
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// decisionCommands are the commands of SPEC §8.
func decisionCommands() []*command {
	return []*command{
		{path: "scp what-if", summary: "an Organizations report as if SCPs were changed, and who used what the change denies", needData: true,
			example: `lastaccess --data d scp what-if --entity-path o-…/r-… --changes changes.json --days 90`, run: runSCPWhatIf},
	}
}
