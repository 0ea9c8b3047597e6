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

func runGenerateServiceLastAccessedDetails(ctx context.Context, env *env, args []string) error {
	const op = "GenerateServiceLastAccessedDetails"
	fs := env.newFlagSet("iam generate-service-last-accessed-details")
	var in engine.GenerateServiceLastAccessedDetailsInput
	fs.StringVar(&in.Arn, "arn", "", "ARN of an IAM user, group, role or managed policy")
	fs.StringVar(&in.Granularity, "granularity", "", "SERVICE_LEVEL (default) or ACTION_LEVEL")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	if !flagGiven(fs, "arn") {
		return usageErrorf("the following arguments are required: --arn")
	}
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "generate-service-last-accessed-details"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	id, err := eng.GenerateServiceLastAccessedDetails(ctx, in)
	if err != nil {
		return inOperation(op, err)
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

func runGetServiceLastAccessedDetails(ctx context.Context, env *env, args []string) error {
	const op = "GetServiceLastAccessedDetails"
	fs := env.newFlagSet("iam get-service-last-accessed-details")
	var in engine.GetServiceLastAccessedDetailsInput
	var maxItems optionalInt
	fs.StringVar(&in.JobID, "job-id", "", "job id")
	fs.Var(&maxItems, "max-items", "page size (1-1000, default 100)")
	fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	if !flagGiven(fs, "job-id") {
		return usageErrorf("the following arguments are required: --job-id")
	}
	in.MaxItems = maxItems.value
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "get-service-last-accessed-details"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	out, err := eng.GetServiceLastAccessedDetails(ctx, in)
	if err != nil {
		return inOperation(op, err)
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
}

func runGetServiceLastAccessedDetailsWithEntities(ctx context.Context, env *env, args []string) error {
	const op = "GetServiceLastAccessedDetailsWithEntities"
	fs := env.newFlagSet("iam get-service-last-accessed-details-with-entities")
	var in engine.GetServiceLastAccessedDetailsWithEntitiesInput
	var maxItems optionalInt
	fs.StringVar(&in.JobID, "job-id", "", "job id")
	fs.StringVar(&in.ServiceNamespace, "service-namespace", "", "service namespace, e.g. s3")
	fs.Var(&maxItems, "max-items", "page size (1-1000, default 100)")
	fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	if missing := missingFlags(fs, "job-id", "service-namespace"); missing != "" {
		return usageErrorf("the following arguments are required: %s", missing)
	}
	in.MaxItems = maxItems.value
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "get-service-last-accessed-details-with-entities"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	out, err := eng.GetServiceLastAccessedDetailsWithEntities(ctx, in)
	if err != nil {
		return inOperation(op, err)
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
}

func runListPoliciesGrantingServiceAccess(ctx context.Context, env *env, args []string) error {
	const op = "ListPoliciesGrantingServiceAccess"
	// --service-namespaces takes one or more values, as in the AWS CLI.
	namespaces, given, args, err := takeListFlag(args, "service-namespaces")
	if err != nil {
		return err
	}
	fs := env.newFlagSet("iam list-policies-granting-service-access")
	var in engine.ListPoliciesGrantingServiceAccessInput
	fs.StringVar(&in.Arn, "arn", "", "ARN of an IAM user, group or role")
	fs.StringVar(&in.Marker, "marker", "", "marker from the previous page")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	var missing []string
	if !flagGiven(fs, "arn") {
		missing = append(missing, "--arn")
	}
	if !given {
		missing = append(missing, "--service-namespaces")
	}
	if len(missing) > 0 {
		return usageErrorf("the following arguments are required: %s", strings.Join(missing, ", "))
	}
	in.ServiceNamespaces = namespaces
	eng, _, closeAll, err := env.openEngine(commandLine("iam", "list-policies-granting-service-access"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	out, err := eng.ListPoliciesGrantingServiceAccess(ctx, in)
	if err != nil {
		return inOperation(op, err)
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
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

// flagGiven reports whether the flag was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// missingFlags lists the required flags not given, as "--a, --b".
func missingFlags(fs *flag.FlagSet, names ...string) string {
	var missing []string
	for _, n := range names {
		if !flagGiven(fs, n) {
			missing = append(missing, "--"+n)
		}
	}
	return strings.Join(missing, ", ")
}
