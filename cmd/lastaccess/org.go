package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"lastaccess/engine"
	"lastaccess/ingest/awsorg"
)

const orgImportUsage = "usage: lastaccess org import FILE | lastaccess org import --aws-cli DIR"

func runOrg(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageErrorf(orgImportUsage)
	}
	fs := env.newFlagSet("org import")
	awsCLI := fs.String("aws-cli", "", "directory of AWS CLI outputs, as scripts/org-snapshot.sh writes it")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	fromDir := flagGiven(fs, "aws-cli")
	if fromDir && *awsCLI == "" {
		return usageErrorf("org import: --aws-cli needs a directory")
	}
	if fromDir == (len(pos) == 1) || len(pos) > 1 {
		return usageErrorf(orgImportUsage)
	}
	var data []byte
	var fromAWS *awsorg.Result
	source := *awsCLI
	if fromDir {
		if fromAWS, err = readAWSCLIOrganization(source); err != nil {
			return err
		}
		data = fromAWS.JSON
	} else {
		source = pos[0]
		if data, err = os.ReadFile(source); err != nil {
			return fmt.Errorf("read organization snapshot: %w", err)
		}
	}
	eng, _, closeAll, err := env.openEngine(commandLine("org", "import"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	org, err := eng.ImportOrganization(data)
	if err != nil {
		return importError(source, err)
	}
	accounts := fmt.Sprintf("%d accounts", len(org.Accounts()))
	if fromAWS != nil {
		accounts += describeStates(fromAWS.AccountStates)
	}
	fmt.Fprintf(env.stdout, "imported organization %s: %d OUs, %s, %d SCPs (management account %s)\n",
		org.ID, len(org.OrganizationalUnits()), accounts, len(org.Policies()), org.ManagementAccountID)
	if fromAWS != nil {
		for _, note := range fromAWS.Notes {
			fmt.Fprintf(env.stdout, "note: %s\n", note)
		}
	}
	return closeAll()
}

// readAWSCLIOrganization builds the snapshot from the AWS CLI's outputs
// under dir. A file that is missing, cut or not what the AWS CLI prints
// is bad input, as a malformed snapshot file is.
func readAWSCLIOrganization(dir string) (*awsorg.Result, error) {
	res, err := awsorg.ReadDir(dir)
	if errors.Is(err, awsorg.ErrMissing) || errors.Is(err, awsorg.ErrMalformed) || errors.Is(err, awsorg.ErrCut) {
		return nil, inOperation("ImportOrganization", &engine.Error{Code: engine.CodeInvalidInput, Message: err.Error()})
	}
	return res, err
}

// importError names the file or directory an import was rejected for.
func importError(source string, err error) error {
	var ae *engine.Error
	if errors.As(err, &ae) {
		return inOperation("ImportOrganization", &engine.Error{Code: ae.Code, Message: source + ": " + ae.Message})
	}
	return fmt.Errorf("%s: %w", source, err)
}

// describeStates says how many accounts are not ACTIVE, e.g.
// " (1 suspended, 2 pending closure)"; "" when all are.
func describeStates(states map[string]int) string {
	var parts []string
	for state, n := range states {
		if state != "ACTIVE" {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(strings.ToLower(state), "_", " ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}
