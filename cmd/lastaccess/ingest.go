package main

import "context"

func runIngest(ctx context.Context, env *env, args []string) error {
	return usageErrorf("ingest: not wired yet")
}
