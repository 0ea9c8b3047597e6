package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"lastaccess/engine"
)

// apiCommand is one IAM API operation on the command line, run the way
// the AWS CLI runs it: its flags parsed, the required ones checked, the
// data directory opened, the operation called and its result printed as
// JSON; an AWS-coded failure is printed as the AWS CLI prints it.
type apiCommand struct {
	name     string   // the subcommand, e.g. "get-organizations-access-report"
	op       string   // the API operation, e.g. "GetOrganizationsAccessReport"
	required []string // flags that must be given
	flags    func(fs *flag.FlagSet)
	// missing reports required values given outside the flag set.
	missing func() []string
	call    func(ctx context.Context, eng *engine.Engine) (any, error)
}

func (c apiCommand) run(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("iam " + c.name)
	c.flags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	missing := missingFlags(fs, c.required...)
	if c.missing != nil {
		missing = append(missing, c.missing()...)
	}
	if len(missing) > 0 {
		return usageErrorf("the following arguments are required: %s", strings.Join(missing, ", "))
	}
	eng, _, closeAll, err := env.openEngine(commandLine("iam", c.name), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	out, err := c.call(ctx, eng)
	if err != nil {
		return inOperation(c.op, err)
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
}

// generated is what a Generate operation prints.
type generated struct {
	JobID string `json:"JobId"`
}

// awaitJob waits for a generated job: the CLI exits with the report stored.
func awaitJob(ctx context.Context, env *env, eng *engine.Engine, id string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	if os.Getenv("LASTACCESS_TEST_PRINT_JOB_ID") != "" {
		fmt.Fprintln(env.stdout, id) // the crash tests need the id before the job ends
	}
	if err := eng.WaitJob(ctx, id); err != nil {
		return nil, err
	}
	return generated{id}, nil
}

// optionalInt is a flag that remembers whether it was given.
type optionalInt struct {
	value *int
}

func (o *optionalInt) String() string {
	if o.value == nil {
		return ""
	}
	return strconv.Itoa(*o.value)
}

func (o *optionalInt) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	o.value = &v
	return nil
}

// flagGiven reports whether the flag was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// missingFlags lists the required flags not given, as "--name".
func missingFlags(fs *flag.FlagSet, names ...string) []string {
	var missing []string
	for _, n := range names {
		if !flagGiven(fs, n) {
			missing = append(missing, "--"+n)
		}
	}
	return missing
}
