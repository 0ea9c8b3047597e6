package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"lastaccess/engine"
)

func runIAM(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: lastaccess iam SUBCOMMAND")
	}
	switch args[0] {
	case "generate-organizations-access-report":
		return runGenerateOrganizationsAccessReport(ctx, env, args[1:])
	case "get-organizations-access-report":
		return runGetOrganizationsAccessReport(ctx, env, args[1:])
	case "import":
		return runIAMImport(ctx, env, args[1:])
	case "generate-service-last-accessed-details":
		return runGenerateServiceLastAccessedDetails(ctx, env, args[1:])
	case "get-service-last-accessed-details":
		return runGetServiceLastAccessedDetails(ctx, env, args[1:])
	case "get-service-last-accessed-details-with-entities":
		return runGetServiceLastAccessedDetailsWithEntities(ctx, env, args[1:])
	case "list-policies-granting-service-access":
		return runListPoliciesGrantingServiceAccess(ctx, env, args[1:])
	}
	return usageErrorf("unknown iam subcommand %q", args[0])
}

// optionalInt is a flag that remembers whether it was given.
type optionalInt struct {
	value *int
}

func (o *optionalInt) String() string {
	if o.value == nil {
		return ""
	}
	return strconv.Itoa(*o.value)
}

func (o *optionalInt) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	o.value = &v
	return nil
}

func runGenerateOrganizationsAccessReport(ctx context.Context, env *env, args []string) error {
	const op = "GenerateOrganizationsAccessReport"
	fs := env.newFlagSet("iam generate-organizations-access-report")
	var in engine.GenerateOrganizationsAccessReportInput
	fs.StringVar(&in.EntityPath, "entity-path", "", "entity path")
	fs.StringVar(&in.OrganizationsPolicyID, "organizations-policy-id", "", "SCP id")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	if in.EntityPath == "" {
		return usageErrorf("the following arguments are required: --entity-path")
	}
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "generate-organizations-access-report"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	id, err := eng.GenerateOrganizationsAccessReport(ctx, in)
	if err != nil {
		return inOperation(op, err)
	}
	if os.Getenv("LASTACCESS_TEST_PRINT_JOB_ID") != "" {
		fmt.Fprintln(env.stdout, id) // the crash tests need the id before the job ends
	}
	// The CLI waits for its job, so the report is stored when it exits.
	if err := eng.WaitJob(ctx, id); err != nil {
		return err
	}
	if err := env.printJSON(struct {
		JobID string `json:"JobId"`
	}{id}); err != nil {
		return err
	}
	return closeAll()
}

func runGetOrganizationsAccessReport(ctx context.Context, env *env, args []string) error {
	const op = "GetOrganizationsAccessReport"
	fs := env.newFlagSet("iam get-organizations-access-report")
	var in engine.GetOrganizationsAccessReportInput
	var maxItems optionalInt
	fs.StringVar(&in.JobID, "job-id", "", "job id")
	fs.Var(&maxItems, "max-items", "page size (1-1000, default 100)")
	fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
	fs.StringVar(&in.SortKey, "sort-key", "", "sort key")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	if fs.Lookup("job-id").Value.String() == "" {
		return usageErrorf("the following arguments are required: --job-id")
	}
	in.MaxItems = maxItems.value
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "get-organizations-access-report"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	out, err := eng.GetOrganizationsAccessReport(ctx, in)
	if err != nil {
		return inOperation(op, err)
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
}
