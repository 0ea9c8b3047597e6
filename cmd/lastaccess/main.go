// Command lastaccess answers IAM last accessed questions (Access Advisor)
// from CloudTrail events: it imports an organization, ingests exports,
// generates and reads reports the way the AWS CLI's iam commands do, and
// serves everything over the MySQL protocol.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: lastaccess [--data DIR] [--now RFC3339] COMMAND

commands:
  org import FILE
  ingest PATH... | -
  rebuild
  catalog list | catalog import FILE
  iam generate-organizations-access-report --entity-path P [--organizations-policy-id ID]
  iam get-organizations-access-report --job-id ID [--max-items N] [--marker M] [--sort-key K]

--data defaults to $LASTACCESS_DATA, else ./lastaccess-data; --now (or
$LASTACCESS_NOW) fixes the clock for reproducible reports.
`

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin *os.File, stdout, stderr *os.File) int {
	env := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	rest, err := env.parseGlobal(args)
	if err != nil {
		return env.fail(err)
	}
	if len(rest) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "org":
		return env.fail(runOrg(ctx, env, rest))
	case "ingest":
		return env.fail(runIngest(ctx, env, rest))
	case "rebuild":
		return env.fail(runRebuild(ctx, env, rest))
	case "catalog":
		return env.fail(runCatalog(ctx, env, rest))
	case "iam":
		return env.fail(runIAM(ctx, env, rest))
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	return env.fail(usageErrorf("unknown command %q", cmd))
}
