package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"lastaccess/engine"
)

// The IAM entity commands: `iam import FILE…` and the four service last
// accessed operations, printing what the AWS CLI prints for them.

// runIAMImport imports each file (one account's `aws iam
// get-account-authorization-details` output) on its own: a bad file is
// reported and changes nothing, the others are stored.
func runIAMImport(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("iam import")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErrorf("usage: lastaccess iam import FILE...")
	}
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "import"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	failed := 0
	for _, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil {
			var res *engine.IAMImport
			if res, err = eng.ImportAuthorizationDetails(data); err == nil {
				fmt.Fprintf(env.stdout, "imported account %s from %s: %d users, %d groups, %d roles, %d managed policies (%d inline policies, %d attachments)\n",
					res.Account, path, res.Users, res.Groups, res.Roles, res.Policies, res.InlinePolicies, res.AttachedManaged)
				for _, w := range res.Warnings {
					fmt.Fprintf(env.stderr, "warning: %s: %s\n", path, w)
				}
				continue
			}
		}
		failed++
		msg := err.Error()
		var ae *engine.Error
		if errors.As(err, &ae) {
			msg = ae.Code + ": " + ae.Message
		}
		fmt.Fprintf(env.stderr, "lastaccess: %s: %s\n", path, msg)
	}
	if err := closeAll(); err != nil {
		return err
	}
	if failed > 0 {
		return &partialError{fmt.Sprintf("iam import finished with errors: %d of %d files not imported", failed, len(files))}
	}
	return nil
}

func generateServiceLastAccessedDetails(env *env) apiCommand {
	var in engine.GenerateServiceLastAccessedDetailsInput
	return apiCommand{
		name: "generate-service-last-accessed-details", op: "GenerateServiceLastAccessedDetails",
		required: []string{"arn"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.Arn, "arn", "", "ARN of an IAM user, group, role or managed policy")
			fs.StringVar(&in.Granularity, "granularity", "", "SERVICE_LEVEL (default) or ACTION_LEVEL")
		},
		call: func(ctx context.Context, eng *engine.Engine) (any, error) {
			id, err := eng.GenerateServiceLastAccessedDetails(ctx, in)
			return awaitJob(ctx, env, eng, id, err)
		},
	}
}

func getServiceLastAccessedDetails() apiCommand {
	var in engine.GetServiceLastAccessedDetailsInput
	var maxItems optionalInt
	return apiCommand{
		name: "get-service-last-accessed-details", op: "GetServiceLastAccessedDetails",
		required: []string{"job-id"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.JobID, "job-id", "", "job id")
			fs.Var(&maxItems, "max-items", "page size (1-1000, default 100)")
			fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
		},
		call: func(ctx context.Context, eng *engine.Engine) (any, error) {
			in.MaxItems = maxItems.value
			return eng.GetServiceLastAccessedDetails(ctx, in)
		},
	}
}

func getServiceLastAccessedDetailsWithEntities() apiCommand {
	var in engine.GetServiceLastAccessedDetailsWithEntitiesInput
	var maxItems optionalInt
	return apiCommand{
		name: "get-service-last-accessed-details-with-entities", op: "GetServiceLastAccessedDetailsWithEntities",
		required: []string{"job-id", "service-namespace"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.JobID, "job-id", "", "job id")
			fs.StringVar(&in.ServiceNamespace, "service-namespace", "", "service namespace, e.g. s3")
			fs.Var(&maxItems, "max-items", "page size (1-1000, default 100)")
			fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
		},
		call: func(ctx context.Context, eng *engine.Engine) (any, error) {
			in.MaxItems = maxItems.value
			return eng.GetServiceLastAccessedDetailsWithEntities(ctx, in)
		},
	}
}

func runListPoliciesGrantingServiceAccess(ctx context.Context, env *env, args []string) error {
	// --service-namespaces takes one or more values, as in the AWS CLI.
	namespaces, given, args, err := takeListFlag(args, "service-namespaces")
	if err != nil {
		return err
	}
	var in engine.ListPoliciesGrantingServiceAccessInput
	return apiCommand{
		name: "list-policies-granting-service-access", op: "ListPoliciesGrantingServiceAccess",
		required: []string{"arn"},
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&in.Arn, "arn", "", "ARN of an IAM user, group or role")
			fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
		},
		missing: func() []string {
			if !given {
				return []string{"--service-namespaces"}
			}
			return nil
		},
		call: func(ctx context.Context, eng *engine.Engine) (any, error) {
			in.ServiceNamespaces = namespaces
			return eng.ListPoliciesGrantingServiceAccess(ctx, in)
		},
	}.run(ctx, env, args)
}

// takeListFlag removes --name V1 V2 … (values up to the next argument that
// starts with "--") from args. Like the AWS CLI, the flag needs at least
// one value.
func takeListFlag(args []string, name string) (values []string, given bool, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		flagName, inline, hasInline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || flagName != name || a == "--" {
			rest = append(rest, a)
			continue
		}
		given = true
		if hasInline {
			values = append(values, inline)
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			i++
			values = append(values, args[i])
		}
		if len(values) == 0 {
			return nil, true, nil, usageErrorf("argument --%s: expected at least one argument", name)
		}
	}
	return values, given, rest, nil
}
