// Package storage owns the on-disk format: Badger v4, its options, and the
// key layout documented in docs/format/keys.md. It implements the
// engine.Store interface that package engine declares, and imports nothing
// of lastaccess but engine's types; it must never import ingest, sqlfront
// or cmd.
package storage
