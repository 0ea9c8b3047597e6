package main

import (
	"context"
	"strconv"
	"strings"

	"lastaccess/engine"
)

// apiCommand is one IAM API operation on the command line, run the way
// the AWS CLI runs it: one flag per input member of the operation
// (engine.InputShapes: --job-id for JobId, …), the given flags and
// --cli-input-json merged into the request parameters, the checks the AWS
// CLI makes before sending (botocore's ParamValidator: exit 252), then the
// operation, its result printed per --output and --query; an AWS-coded
// failure is printed as the AWS CLI prints it (exit 254).
type apiCommand struct {
	name    string // the subcommand, e.g. "get-organizations-access-report"
	op      string // the API operation, e.g. "GetOrganizationsAccessReport"
	summary string
	example string
	call    func(ctx context.Context, env *env, eng *engine.Engine, p params) (any, error)
}

func (c apiCommand) command() *command {
	return &command{path: "iam " + c.name, summary: c.summary, example: c.example, needData: true, run: c.run}
}

// memberFlag is the flag of one input member: it remembers whether it was
// given, so an empty value is a value.
type memberFlag struct {
	shape  *engine.Shape
	given  bool
	value  string
	values []string // a list member's values
}

func (f *memberFlag) String() string { return f.value }
func (f *memberFlag) Set(s string) error {
	f.given = true
	if f.shape.Type == "list" {
		f.values = append(f.values, s)
	}
	f.value = s
	return nil
}

func (f *memberFlag) argName() string {
	switch f.shape.Type {
	case "integer":
		return "N"
	case "list":
		return "VALUE..."
	}
	return strings.ToUpper(strings.ReplaceAll(flagName(f.shape.Member), "-", "_"))
}

// flagName is the AWS CLI's name of a member's flag: JobId → job-id.
func flagName(member string) string {
	var b strings.Builder
	for i, r := range member {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c apiCommand) run(ctx context.Context, env *env, args []string) error {
	shapes := engine.InputShapes(c.op)
	fs := env.newFlagSet("iam " + c.name)
	flags := make([]*memberFlag, len(shapes))
	var err error
	for i, s := range shapes {
		flags[i] = &memberFlag{shape: s}
		usage := s.Doc
		if s.Required {
			usage += " (required)"
		}
		fs.Var(flags[i], flagName(s.Member), usage)
		if s.Type == "list" {
			// --service-namespaces s3 iam: values up to the next flag, as
			// in the AWS CLI.
			if args, err = spreadListFlag(args, flagName(s.Member)); err != nil {
				return err
			}
		}
	}
	inputJSON := fs.String("cli-input-json", "", "the request as JSON, or file://PATH; flags given override its members")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	var p params
	for _, f := range flags {
		if !f.given {
			continue
		}
		v, err := f.cliValue()
		if err != nil {
			return err
		}
		p = append(p, paramValue{f.shape.Member, v})
	}
	if *inputJSON != "" {
		if p, err = mergeInputJSON(p, *inputJSON); err != nil {
			return err
		}
	} else {
		var missing []string
		for _, f := range flags {
			if f.shape.Required && !f.given {
				missing = append(missing, "--"+flagName(f.shape.Member))
			}
		}
		if len(missing) > 0 {
			return usageErrorf("the following arguments are required: %s", strings.Join(missing, ", "))
		}
	}
	if problems := validateClientSide(p, shapes); len(problems) > 0 {
		return &paramValidationError{problems}
	}
	env.title = c.op
	eng, _, closeAll, err := env.openEngine(commandLine("iam", c.name), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	out, err := c.call(ctx, env, eng, p)
	if err != nil {
		return inOperation(c.op, err)
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
}

// cliValue converts a flag's text as the AWS CLI does for its type.
func (f *memberFlag) cliValue() (any, error) {
	switch f.shape.Type {
	case "integer":
		n, err := strconv.Atoi(strings.TrimSpace(f.value))
		if err != nil {
			return nil, usageErrorf("argument --%s: invalid integer value: '%s'", flagName(f.shape.Member), f.value)
		}
		return n, nil
	case "list":
		out := make([]any, len(f.values))
		for i, v := range f.values {
			out[i] = v
		}
		return out, nil
	}
	return f.value, nil
}

// spreadListFlag rewrites `--name V1 V2 …` (values up to the next
// argument that starts with "--") as `--name=V1 --name=V2 …`. Like the
// AWS CLI, the flag needs at least one value.
func spreadListFlag(args []string, name string) ([]string, error) {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...), nil
		}
		flagPart, inline, hasInline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || flagPart != name {
			out = append(out, a)
			continue
		}
		n := 0
		if hasInline {
			out = append(out, "--"+name+"="+inline)
			n++
		}
		for i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			i++
			out = append(out, "--"+name+"="+args[i])
			n++
		}
		if n == 0 {
			return nil, usageErrorf("argument --%s: expected at least one argument", name)
		}
	}
	return out, nil
}

// awaitJob waits for a generated job: the CLI exits with the report stored.
func awaitJob(ctx context.Context, env *env, eng *engine.Engine, id string, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	hookJobStarted(env, id) // the crash tests need the id before the job ends
	if err := eng.WaitJob(ctx, id); err != nil {
		return nil, err
	}
	return generated{id}, nil
}

// generated is what a Generate operation prints.
type generated struct {
	JobID string `json:"JobId"`
}
