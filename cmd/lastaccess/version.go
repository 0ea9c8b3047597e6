package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"lastaccess/storage"
)

// version and commit are set by the Makefile (-ldflags -X main.version=…
// from `git describe`); a plain `go build` falls back to what the Go
// toolchain stamps into the binary (module version, vcs.revision).
var (
	version = ""
	commit  = ""
)

// buildVersion returns the version and commit of this binary.
func buildVersion() (v, c string) {
	v, c = version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		revision, modified := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if c == "" && revision != "" {
			c = revision
			if modified {
				c += "-dirty"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if c == "" {
		c = "unknown"
	}
	return v, c
}

// runVersion is `lastaccess version` and `lastaccess --version`.
func runVersion(ctx context.Context, env *env, args []string) error {
	if args != nil {
		pos, err := parseFlags(env.newFlagSet("version"), args)
		if err != nil {
			return err
		}
		if len(pos) != 0 {
			return usageErrorf("version takes no arguments")
		}
	}
	v, c := buildVersion()
	fmt.Fprintf(env.stdout, "lastaccess %s\ncommit: %s\ngo: %s %s/%s\nstorage format: %d\n",
		v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH, storage.FormatVersion)
	return nil
}
