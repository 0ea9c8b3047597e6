package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

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
}

// parseGlobal reads the global flags that precede the command.
func (env *env) parseGlobal(args []string) ([]string, error) {
	fs := flag.NewFlagSet("lastaccess", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	env.registerGlobal(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return fs.Args(), nil
}

// registerGlobal adds --data and --now to a flag set, so they may also
// follow the command, as the AWS CLI allows for its global options.
func (env *env) registerGlobal(fs *flag.FlagSet) {
	if fs.Lookup("data") == nil {
		fs.StringVar(&env.dataDir, "data", env.dataDir, "data directory")
		fs.StringVar(&env.now, "now", env.now, "fixed clock, RFC 3339")
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
	sopts := storage.DefaultOptions()
	sopts.Owner = owner
	sopts.SyncWrites = env.syncWrites
	st, err := storage.Open(env.resolveDataDir(), sopts)
	if err != nil {
		return nil, nil, nil, err
	}
	opts.Clock = clock
	if d, err := time.ParseDuration(os.Getenv("LASTACCESS_TEST_JOB_DELAY")); err == nil {
		opts.JobDelay = d
	}
	eng, err := engine.Open(st, opts)
	if err != nil {
		_ = st.Close()
		return nil, nil, nil, err
	}
	closeAll := func() error {
		err := eng.Close()
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return eng, st, closeAll, nil
}

// printJSON writes v indented like the AWS CLI's JSON output.
func (env *env) printJSON(v any) error {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// commandLine describes this process for the data directory's owner file.
func commandLine(args ...string) string {
	return "lastaccess " + strings.Join(args, " ")
}

var _ = fmt.Sprintf
