package main

import (
	"context"
	"errors"
	"fmt"
	"os"

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
