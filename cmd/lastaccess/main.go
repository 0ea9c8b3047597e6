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
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"
)

// defaultMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT sets
// one: Badger's buffers come from the Go heap, and without a limit the
// garbage collector lets a bulk ingest grow to twice its live memory. With
// the store's trimming of its mapped files (storage/resident.go), a
// 10 M-record ingest peaks below 512 MiB of RSS.
const defaultMemoryLimit = 320 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfiles := startProfiles()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfiles()
	stop()
	os.Exit(code)
}

// startProfiles writes CPU and heap profiles when LASTACCESS_CPUPROFILE /
// LASTACCESS_MEMPROFILE name files: how performance work looks inside a
// real run. The heap profile is taken at exit, or after
// LASTACCESS_MEMPROFILE_AFTER (a duration) to see a long run mid-way.
func startProfiles() func() {
	var cpu *os.File
	if path := os.Getenv("LASTACCESS_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			cpu = f
		}
	}
	heapPath := os.Getenv("LASTACCESS_MEMPROFILE")
	writeHeap := func(path string) {
		if f, err := os.Create(path); err == nil {
			runtime.GC()
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	after, err := time.ParseDuration(os.Getenv("LASTACCESS_MEMPROFILE_AFTER"))
	if heapPath != "" && err == nil {
		path := heapPath
		time.AfterFunc(after, func() { writeHeap(path) })
		heapPath = ""
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			cpu.Close()
		}
		if heapPath != "" {
			writeHeap(heapPath)
		}
	}
}

const usage = `usage: lastaccess [--data DIR] [--now RFC3339] COMMAND

commands:
  serve [--listen 127.0.0.1:3306] [--user U --password P] [--readonly-user U --readonly-password P]
        [--insecure-no-password] [--report-owner-only] [--log-statements] [--print-examples]
        [--sync-writes] [--shutdown-timeout 30s]
        [--aws-listen 127.0.0.1:4566 [--aws-credentials FILE] [--aws-allow-unsigned]]
  org import FILE | org import --aws-cli DIR
  ingest [--server HOST:PORT] [--no-progress] PATH... | -
  rebuild
  check
  catalog list | catalog import FILE
  iam generate-organizations-access-report --entity-path P [--organizations-policy-id ID]
  iam get-organizations-access-report --job-id ID [--max-items N] [--marker M] [--sort-key K]
  iam import FILE...
  iam generate-service-last-accessed-details --arn ARN [--granularity G]
  iam get-service-last-accessed-details --job-id ID [--max-items N] [--marker M]
  iam get-service-last-accessed-details-with-entities --job-id ID --service-namespace NS [--max-items N] [--marker M]
  iam list-policies-granting-service-access --arn ARN --service-namespaces NS... [--marker M]

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
	case "serve":
		return env.fail(runServe(ctx, env, rest))
	case "org":
		return env.fail(runOrg(ctx, env, rest))
	case "ingest":
		return env.fail(runIngest(ctx, env, rest))
	case "rebuild":
		return env.fail(runRebuild(ctx, env, rest))
	case "check":
		return env.fail(runCheck(ctx, env, rest))
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
