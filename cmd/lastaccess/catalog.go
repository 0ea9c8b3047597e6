package main

import (
	"context"
	"fmt"
	"os"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

const catalogUsage = "usage: lastaccess catalog list [--unknown] | catalog import FILE"

func runCatalog(ctx context.Context, env *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf(catalogUsage)
	}
	fs := env.newFlagSet("catalog " + args[0])
	var unknown *bool
	if args[0] == "list" {
		unknown = fs.Bool("unknown", false, "list the event sources of stored events that the catalog does not know")
	}
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		if len(pos) != 0 {
			return usageErrorf("usage: lastaccess catalog list [--unknown]")
		}
		eng, _, closeAll, err := env.openEngine(commandLine("catalog", "list"), engine.Options{})
		if err != nil {
			return err
		}
		defer closeAll()
		if *unknown {
			return listUnknownSources(ctx, env, eng, closeAll)
		}
		type entry struct {
			ServiceNamespace string `json:"ServiceNamespace"`
			ServiceName      string `json:"ServiceName"`
		}
		services := eng.Catalog().Services()
		out := make([]entry, len(services))
		for i, s := range services {
			out[i] = entry{s.Namespace, s.Name}
		}
		if err := env.printJSON(out); err != nil {
			return err
		}
		return closeAll()
	case "import":
		if len(pos) != 1 {
			return usageErrorf("usage: lastaccess catalog import FILE")
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return fmt.Errorf("read catalog: %w", err)
		}
		eng, _, closeAll, err := env.openEngine(commandLine("catalog", "import"), engine.Options{})
		if err != nil {
			return err
		}
		defer closeAll()
		cat, err := catalog.Import(eng.Catalog(), data)
		if err != nil {
			return fmt.Errorf("%s: %w", pos[0], err)
		}
		moved, err := eng.ImportCatalog(ctx, cat)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "imported catalog: %d services; %d stored events moved to new namespaces or actions\n", cat.Len(), moved)
		return closeAll()
	}
	return usageErrorf(catalogUsage)
}

// listUnknownSources prints the event sources of stored events whose
// service the catalog lacks (kept under the source's first label), with
// how many events and the latest: what `catalog import` could add.
func listUnknownSources(ctx context.Context, env *env, eng *engine.Engine, closeAll func() error) error {
	sources, err := eng.UnknownEventSources(ctx)
	if err != nil {
		return err
	}
	type entry struct {
		EventSource      string           `json:"EventSource"`
		ServiceNamespace string           `json:"ServiceNamespace"`
		Events           int64            `json:"Events"`
		LastEventTime    engine.Timestamp `json:"LastEventTime"`
	}
	out := make([]entry, len(sources))
	for i, u := range sources {
		out[i] = entry{u.EventSource, u.ServiceNamespace, u.Events, engine.NewTimestamp(u.LastEventTime)}
	}
	if err := env.printJSON(out); err != nil {
		return err
	}
	return closeAll()
}
