package main

import (
	"context"
	"flag"

	"lastaccess/engine"
)

func runIAM(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("usage: lastaccess iam SUBCOMMAND")
	}
	rest := args[1:]
	switch args[0] {
	case "import":
		return runIAMImport(ctx, env, rest)
	case "generate-organizations-access-report":
		return generateOrganizationsAccessReport(env).run(ctx, env, rest)
	case "get-organizations-access-report":
		return getOrganizationsAccessReport().run(ctx, env, rest)
	case "generate-service-last-accessed-details":
		return generateServiceLastAccessedDetails(env).run(ctx, env, rest)
	case "get-service-last-accessed-details":
		return getServiceLastAccessedDetails().run(ctx, env, rest)
	case "get-service-last-accessed-details-with-entities":
		return getServiceLastAccessedDetailsWithEntities().run(ctx, env, rest)
	case "list-policies-granting-service-access":
		return runListPoliciesGrantingServiceAccess(ctx, env, rest)
	}
	return usageErrorf("unknown iam subcommand %q", args[0])
}

func generateOrganizationsAccessReport(env *env) apiCommand {
	var in engine.GenerateOrganizationsAccessReportInput
	return apiCommand{
		name: "generate-organizations-access-report", op: "GenerateOrganizationsAccessReport",
		required: []string{"entity-path"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.EntityPath, "entity-path", "", "entity path")
			fs.StringVar(&in.OrganizationsPolicyID, "organizations-policy-id", "", "SCP id")
		},
		call: func(ctx context.Context, eng *engine.Engine) (any, error) {
			id, err := eng.GenerateOrganizationsAccessReport(ctx, in)
			return awaitJob(ctx, env, eng, id, err)
		},
	}
}

func getOrganizationsAccessReport() apiCommand {
	var in engine.GetOrganizationsAccessReportInput
	var maxItems optionalInt
	return apiCommand{
		name: "get-organizations-access-report", op: "GetOrganizationsAccessReport",
		required: []string{"job-id"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.JobID, "job-id", "", "job id")
			fs.Var(&maxItems, "max-items", "page size (1-1000, default 100)")
			fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
			fs.StringVar(&in.SortKey, "sort-key", "", "sort key")
		},
		call: func(ctx context.Context, eng *engine.Engine) (any, error) {
			in.MaxItems = maxItems.value
			return eng.GetOrganizationsAccessReport(ctx, in)
		},
	}
}
