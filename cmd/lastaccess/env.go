package main

import (
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"lastaccess/engine"
	"lastaccess/storage"
)

// env is what every command shares: the global flags and the standard
// streams.
type env struct {
	stdin          *os.File
	stdout, stderr *os.File

	dataDir string
	now     string
	clock   engine.Clock
	// syncWrites makes every commit fsync (serve --sync-writes).
	syncWrites bool

	// output holds --output, --query and --color; noPaginate is accepted
	// as the AWS CLI accepts it (these operations have no paginator).
	output     outputOptions
	noPaginate bool
	// command is the command running; title names its output (the table
	// formatter's title: the API operation, as the AWS CLI's).
	command *command
	title   string
	// showVersion is --version before the command.
	showVersion bool
}

// parseGlobal reads the global flags that precede the command.
func (env *env) parseGlobal(args []string) ([]string, error) {
	fs := flag.NewFlagSet("lastaccess", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env.registerGlobal(fs)
	fs.BoolVar(&env.showVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, &helpRequest{}
		}
		return nil, usageErrorf("%v", err)
	}
	return fs.Args(), nil
}

// registerGlobal adds the global options to a flag set, so they may also
// follow the command, as the AWS CLI allows for its global options.
func (env *env) registerGlobal(fs *flag.FlagSet) {
	if fs.Lookup("data") == nil {
		fs.StringVar(&env.dataDir, "data", env.dataDir, "data directory")
		fs.StringVar(&env.now, "now", env.now, "fixed clock, RFC 3339")
		fs.StringVar(&env.output.format, "output", env.output.format, "json, text, table or yaml")
		fs.StringVar(&env.output.query, "query", env.output.query, "JMESPath expression")
		fs.StringVar(&env.output.color, "color", env.output.color, "on, off or auto")
		fs.BoolVar(&env.noPaginate, "no-paginate", env.noPaginate, "accepted; these operations have no paginator")
	}
}

// newFlagSet makes a subcommand's flag set that also knows the globals.
func (env *env) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env.registerGlobal(fs)
	return fs
}

// parseFlags parses a subcommand's flags; positional arguments may be
// mixed with flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &helpRequest{fs}
			}
			return nil, usageErrorf("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func (env *env) resolveClock() (engine.Clock, error) {
	if env.clock != nil {
		return env.clock, nil
	}
	now := env.now
	if now == "" {
		now = os.Getenv("LASTACCESS_NOW")
	}
	if now == "" {
		env.clock = engine.SystemClock{}
		return env.clock, nil
	}
	t, err := time.Parse(time.RFC3339Nano, now)
	if err != nil {
		return nil, usageErrorf("--now %q is not an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)", now)
	}
	env.clock = engine.FixedClock(t.UTC())
	return env.clock, nil
}

func (env *env) resolveDataDir() string {
	if env.dataDir != "" {
		return env.dataDir
	}
	if d := os.Getenv("LASTACCESS_DATA"); d != "" {
		return d
	}
	return "lastaccess-data"
}

// openEngine opens the data directory and the engine over it; close
// releases both.
func (env *env) openEngine(owner string, opts engine.Options) (*engine.Engine, *storage.Store, func() error, error) {
	clock, err := env.resolveClock()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := env.output.validate(); err != nil {
		return nil, nil, nil, err
	}
	dir := env.resolveDataDir()
	if env.command != nil && env.command.needData {
		exists, err := storage.Exists(dir)
		if err != nil {
			return nil, nil, nil, err
		}
		if !exists {
			return nil, nil, nil, &noDataError{dir: dir, command: env.command.path}
		}
	}
	sopts := storage.DefaultOptions()
	sopts.Owner = owner
	sopts.SyncWrites = env.syncWrites
	st, err := storage.Open(dir, sopts)
	if err != nil {
		return nil, nil, nil, err
	}
	opts.Clock = clock
	store, releaseHooks := hookStore(st)
	eng, err := engine.Open(store, opts)
	if err != nil {
		_ = st.Close()
		return nil, nil, nil, err
	}
	closeAll := func() error {
		releaseHooks()
		err := eng.Close()
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return eng, st, closeAll, nil
}

// printJSON writes a response as the AWS CLI would: JSON indented by 4
// by default, or per --output and --query.
func (env *env) printJSON(v any) error {
	if err := env.output.validate(); err != nil {
		return err
	}
	title := env.title
	if title == "" && env.command != nil {
		title = camelCase(env.command.path)
	}
	return writeOutput(env.stdout, v, title, env.output, isTerminal(env.stdout))
}

// camelCase names a command's output: "catalog list" → "CatalogList".
func camelCase(path string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(path, func(r rune) bool { return r == ' ' || r == '-' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func isTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// commandLine describes this process for the data directory's owner file.
func commandLine(args ...string) string {
	return "lastaccess " + strings.Join(args, " ")
}

// flagGiven reports whether the flag was on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
