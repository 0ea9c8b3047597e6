package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one leaf of the command tree. Its flags are the ones its run
// function defines on env.newFlagSet before it parses: `--help` makes
// parseFlags stop there (helpRequest), so help and completion read every
// flag a command has from the command itself, and a flag added to a run
// function shows in both without another edit.
type command struct {
	path     string // words after `lastaccess`, e.g. "iam get-organizations-access-report"
	args     string // positional arguments in the synopsis, e.g. "FILE..."
	summary  string // one line
	example  string
	needData bool // refuses a data directory that does not exist (read-only commands)
	run      func(ctx context.Context, env *env, args []string) error
}

// commandTable lists every command in the order `lastaccess help` shows
// them. A new command is one entry here and its run function in a file of
// its own.
func commandTable() []*command {
	cmds := []*command{
		{path: "serve", summary: "serve the data directory over the MySQL protocol (database lastaccess)",
			example: "lastaccess --data d serve --listen 127.0.0.1:3306 --password s3cret", run: runServe},
		{path: "org import", args: "FILE | --aws-cli DIR", summary: "import an organization snapshot (SPEC §3 JSON, or the AWS CLI outputs scripts/org-snapshot.sh writes)",
			example: "lastaccess --data d org import org.json", run: subcommand(runOrg, "import")},
		{path: "iam import", args: "FILE...", summary: "import `aws iam get-account-authorization-details` outputs, one file per account",
			example: "lastaccess --data d iam import 111122223333.json", run: runIAMImport},
		{path: "ingest", args: "PATH... | -", summary: "ingest CloudTrail exports (directories, .json[.gz], .ndjson[.gz], - for stdin)",
			example: "lastaccess --data d ingest AWSLogs/", run: runIngest},
		{path: "rebuild", summary: "recompute every rollup from the event log", needData: true,
			example: "lastaccess --data d rebuild", run: runRebuild},
		{path: "check", summary: "verify that the rollups match the event log", needData: true,
			example: "lastaccess --data d check", run: runCheck},
		{path: "catalog list", summary: "print the service catalog as JSON (--unknown: the stored event sources it lacks)", needData: true,
			example: "lastaccess --data d catalog list --query '[?ServiceNamespace==`s3`]'", run: subcommand(runCatalog, "list")},
		{path: "catalog import", args: "FILE", summary: "merge AWS service-reference JSON into the catalog",
			example: "lastaccess --data d catalog import service-reference.json", run: subcommand(runCatalog, "import")},
	}
	cmds = append(cmds, decisionCommands()...)
	for _, api := range apiCommands() {
		cmds = append(cmds, api.command())
	}
	return append(cmds,
		&command{path: "help", args: "[COMMAND]", summary: "show the commands, or one command's flags and an example",
			example: "lastaccess help iam get-organizations-access-report", run: runHelp},
		&command{path: "version", summary: "print the version, commit, Go version and storage format",
			example: "lastaccess version", run: runVersion},
		&command{path: "completion", args: "bash|zsh|fish", summary: "print a shell completion script",
			example: "lastaccess completion bash > ~/.local/share/bash-completion/completions/lastaccess", run: runCompletion},
	)
}

// subcommand runs a group's run function (which dispatches on its first
// argument) for one of its subcommands.
func subcommand(run func(context.Context, *env, []string) error, name string) func(context.Context, *env, []string) error {
	return func(ctx context.Context, env *env, args []string) error {
		return run(ctx, env, append([]string{name}, args...))
	}
}

// findCommand returns the command that args name and the arguments after
// its name; nil when none matches. groups lists the known first words of
// multi-word commands, for the error of an incomplete or unknown one.
func findCommand(cmds []*command, args []string) (*command, []string) {
	var best *command
	for _, c := range cmds {
		words := strings.Fields(c.path)
		if len(words) > len(args) {
			continue
		}
		match := true
		for i, w := range words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match && (best == nil || len(words) > len(strings.Fields(best.path))) {
			best = c
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[len(strings.Fields(best.path)):]
}

// subcommandsOf lists the commands under a group word ("iam").
func subcommandsOf(cmds []*command, group string) []string {
	var out []string
	for _, c := range cmds {
		if strings.HasPrefix(c.path, group+" ") {
			out = append(out, strings.TrimPrefix(c.path, group+" "))
		}
	}
	return out
}

// unknownCommand is the usage error for args that name no command.
func unknownCommand(cmds []*command, args []string) error {
	if subs := subcommandsOf(cmds, args[0]); len(subs) > 0 {
		if len(args) == 1 {
			return usageErrorf("%s needs a subcommand: %s", args[0], strings.Join(subs, ", "))
		}
		return usageErrorf("unknown %s subcommand %q; the %s subcommands are: %s", args[0], args[1], args[0], strings.Join(subs, ", "))
	}
	return usageErrorf("unknown command %q (see `lastaccess help`)", args[0])
}

// helpRequest is returned by parseFlags when the command line asks for
// help: the caller prints the command's help with its flag set and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (h *helpRequest) Error() string { return "help requested" }

// commandFlags runs a command in help mode to read its flag set.
func commandFlags(ctx context.Context, env *env, c *command) *flag.FlagSet {
	quiet := *env
	quiet.stdout, quiet.stderr = nil, nil
	var hr *helpRequest
	if err := c.run(ctx, &quiet, []string{"--help"}); errors.As(err, &hr) {
		return hr.fs
	}
	return flag.NewFlagSet(c.path, flag.ContinueOnError)
}

// globalFlagNames are the options every command accepts; help lists them
// once, under `lastaccess help`.
var globalFlagNames = map[string]bool{"data": true, "now": true, "output": true, "query": true, "no-paginate": true, "color": true, "version": true}

// writeCommandHelp prints a command's synopsis, flags (one line each) and
// example.
func writeCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	type line struct{ name, usage string }
	var lines []line
	fs.VisitAll(func(f *flag.Flag) {
		if globalFlagNames[f.Name] {
			return
		}
		arg := flagArgName(f)
		name := "--" + f.Name
		if arg != "" {
			name += " " + arg
		}
		usage := f.Usage
		if arg != "" && f.DefValue != "" && f.DefValue != "0" && !strings.Contains(f.Name, "password") {
			usage += " (default " + f.DefValue + ")"
		}
		lines = append(lines, line{name, usage})
	})
	synopsis := "lastaccess [global options] " + c.path
	if len(lines) > 0 {
		synopsis += " [flags]"
	}
	if c.args != "" {
		synopsis += " " + c.args
	}
	fmt.Fprintf(w, "%s\n\n%s\n\nusage: %s\n", c.path, c.summary, synopsis)
	if len(lines) > 0 {
		width := 0
		for _, l := range lines {
			width = max(width, len(l.name))
		}
		fmt.Fprintf(w, "\nflags:\n")
		for _, l := range lines {
			fmt.Fprintf(w, "  %-*s  %s\n", width, l.name, l.usage)
		}
	}
	fmt.Fprintf(w, "\nexample:\n  %s\n\nglobal options: --data DIR, --now RFC3339, --output json|text|table|yaml, --query JMESPATH, --no-paginate, --color on|off|auto (see `lastaccess help`)\n", c.example)
}

// flagArgName is the value placeholder of a flag in help: none for a
// boolean, else its usage's first word in capitals or VALUE.
func flagArgName(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	if a, ok := f.Value.(interface{ argName() string }); ok {
		return a.argName()
	}
	switch f.DefValue {
	case "0", "0s":
		return "N"
	}
	if strings.HasSuffix(f.DefValue, "s") && strings.ContainsAny(f.DefValue, "0123456789") {
		return "DURATION"
	}
	return "VALUE"
}

const overview = `lastaccess answers IAM last accessed questions (Access Advisor) from CloudTrail exports.

usage: lastaccess [global options] COMMAND [flags] [arguments]

global options (before or after the command):
  --data DIR                       data directory (default $LASTACCESS_DATA, else ./lastaccess-data)
  --now RFC3339                    fixed clock for reproducible reports (or $LASTACCESS_NOW)
  --output json|text|table|yaml    output format of the iam and catalog commands, as the AWS CLI's (default json)
  --query JMESPATH                 a JMESPath expression applied to the output, as the AWS CLI's --query
  --no-paginate                    accepted for the AWS CLI's sake: these operations have no paginator
  --color on|off|auto              colors in table output (default auto: on a terminal)
  --version                        print the version and exit

commands:
`

// writeOverview prints `lastaccess help`: every command with its summary.
func writeOverview(w io.Writer, cmds []*command) {
	io.WriteString(w, overview)
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.path))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.path, c.summary)
	}
	io.WriteString(w, "\nRun `lastaccess help COMMAND` or `lastaccess COMMAND --help` for a command's flags and an example.\n")
}

// runHelp is `lastaccess help [COMMAND]`.
func runHelp(ctx context.Context, env *env, args []string) error {
	args, err := parseFlags(env.newFlagSet("help"), args)
	if err != nil {
		return err
	}
	cmds := commandTable()
	if len(args) == 0 {
		writeOverview(env.stdout, cmds)
		return nil
	}
	c, rest := findCommand(cmds, args)
	if c == nil || len(rest) > 0 {
		return unknownCommand(cmds, args)
	}
	writeCommandHelp(env.stdout, c, commandFlags(ctx, env, c))
	return nil
}
