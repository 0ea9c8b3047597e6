package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

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
		{path: "scp recommend", summary: "a deny-list SCP of the services unused at an entity, verified by what-if", needData: true,
			example: `lastaccess --data d scp recommend --entity-path o-…/r-…/ou-… --days 180 --keep s3,iam`, run: runSCPRecommend},
		{path: "report diff", summary: "compare two completed report jobs of the same kind and scope", needData: true,
			example: `lastaccess --data d report diff --job-id JOB_A --job-id JOB_B`, run: runReportDiff},
	}
}

func runSCPRecommend(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("scp recommend")
	path := fs.String("entity-path", "", "the root, OU or account path the policy would be attached to")
	days := fs.Int("days", engine.DefaultRecommendDays, "the window, in days before now, in which a service counts as used")
	keep := fs.String("keep", "", "service namespaces never to deny, comma-separated (s3,iam)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || !flagGiven(fs, "entity-path") {
		return usageErrorf("usage: lastaccess scp recommend --entity-path P [--days N] [--keep NS,...]")
	}
	in := engine.RecommendSCPInput{EntityPath: *path}
	if flagGiven(fs, "days") {
		in.Days = days
	}
	if flagGiven(fs, "keep") {
		in.Keep = strings.Split(*keep, ",")
		for i := range in.Keep {
			in.Keep[i] = strings.TrimSpace(in.Keep[i])
		}
	}
	eng, _, closeAll, err := env.openEngine(commandLine("scp", "recommend"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	rec, err := eng.RecommendSCP(ctx, in)
	if err != nil {
		return inOperation(opRecommendSCP, err)
	}
	if err := env.printJSON(rec); err != nil {
		return err
	}
	return closeAll()
}

// jobIDs collects a repeated --job-id.
type jobIDs []string

func (j *jobIDs) String() string     { return strings.Join(*j, ",") }
func (j *jobIDs) Set(s string) error { *j = append(*j, s); return nil }
func (j *jobIDs) argName() string    { return "ID" }

func runReportDiff(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("report diff")
	var ids jobIDs
	fs.Var(&ids, "job-id", "a completed report job; give it twice (A, then B)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || len(ids) != 2 {
		return usageErrorf("usage: lastaccess report diff --job-id A --job-id B")
	}
	eng, _, closeAll, err := env.openEngine(commandLine("report", "diff"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	diff, err := eng.DiffReports(ctx, ids[0], ids[1], "")
	if err != nil {
		return inOperation(opDiffReports, err)
	}
	if err := env.printJSON(diff); err != nil {
		return err
	}
	return closeAll()
}
