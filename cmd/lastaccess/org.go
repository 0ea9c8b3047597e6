package main

import (
	"context"
	"fmt"
	"os"

	"lastaccess/engine"
)

func runOrg(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErrorf("usage: lastaccess org import FILE")
	}
	fs := env.newFlagSet("org import")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("usage: lastaccess org import FILE")
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("read organization snapshot: %w", err)
	}
	eng, _, closeAll, err := env.openEngine(commandLine("org", "import"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	org, err := eng.ImportOrganization(data)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprintf(env.stdout, "imported organization %s: %d OUs, %d accounts, %d SCPs (management account %s)\n",
		org.ID, len(org.OrganizationalUnits()), len(org.Accounts()), len(org.Policies()), org.ManagementAccountID)
	return closeAll()
}
