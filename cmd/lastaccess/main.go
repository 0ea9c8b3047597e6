// Command lastaccess answers IAM last accessed questions (Access Advisor)
// from CloudTrail events: it imports an organization, ingests exports,
// generates and reads reports the way the AWS CLI's iam commands do, and
// serves everything over the MySQL protocol.
package main

import (
	"context"
	"errors"
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

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin *os.File, stdout, stderr *os.File) int {
	env := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	rest, err := env.parseGlobal(args)
	var hr *helpRequest
	switch {
	case errors.As(err, &hr):
		writeOverview(stdout, commandTable())
		return 0
	case err != nil:
		return env.fail(err)
	case env.showVersion:
		return env.fail(runVersion(ctx, env, nil))
	case len(rest) == 0:
		writeOverview(stderr, commandTable())
		return exitUsage
	}
	cmds := commandTable()
	c, cargs := findCommand(cmds, rest)
	if c == nil {
		return env.fail(unknownCommand(cmds, rest))
	}
	env.command = c
	err = c.run(ctx, env, cargs)
	if errors.As(err, &hr) {
		fs := hr.fs
		if fs == nil {
			fs = commandFlags(ctx, env, c)
		}
		writeCommandHelp(stdout, c, fs)
		return 0
	}
	return env.fail(err)
}
