package main

import (
	"context"
	"fmt"
	"time"

	"lastaccess/engine"
)

func runRebuild(ctx context.Context, env *env, args []string) error {
	fs := env.newFlagSet("rebuild")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErrorf("usage: lastaccess rebuild")
	}
	eng, _, closeAll, err := env.openEngine(commandLine("rebuild"), engine.Options{})
	if err != nil {
		return err
	}
	defer closeAll()
	start := time.Now()
	res, err := eng.Rebuild(ctx)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	rate := float64(res.Events) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(env.stdout, "rebuilt rollups from %d events in %s (%.0f events/s): %d account rows, %d principal rows\n",
		res.Events, elapsed.Round(time.Millisecond), rate, res.AccountRows, res.PrincipalRows)
	return closeAll()
}
