package ingest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"lastaccess/engine/catalog"
)

// Defaults of Options.
const (
	DefaultBatchSize           = 4096
	DefaultStreamFlushInterval = time.Second
	DefaultMaxFileSize         = 1 << 30
)

// Options configure Run. The zero value is usable: each field says its
// default.
type Options struct {
	// Catalog maps event sources to namespaces and event names to actions.
	// Default: catalog.Default().
	Catalog *catalog.Catalog

	// Workers is how many files are decoded at once (gunzip, JSON,
	// normalization). Default: runtime.GOMAXPROCS(0).
	Workers int

	// BatchSize is the most events per Sink.Append. The events of one
	// Records file are never split across calls unless the file alone holds
	// more; NDJSON input is handed on in batches of this size.
	// Default: DefaultBatchSize.
	BatchSize int

	// Stdin is read for the path "-" (NDJSON). Default: os.Stdin.
	Stdin io.Reader

	// StreamFlushInterval is the longest time events read from "-" wait
	// before they are handed to the sink. Default: DefaultStreamFlushInterval.
	StreamFlushInterval time.Duration

	// MaxFileSize bounds a Records file, which is decoded whole, and its
	// uncompressed content; a larger file fails. Default: DefaultMaxFileSize.
	MaxFileSize int64

	// Progress receives a one-line progress display, only when it is a
	// terminal (the CLI passes os.Stderr). Default: none.
	Progress io.Writer

	// NoProgress turns the progress display off even on a terminal.
	NoProgress bool

	// slowOnly decodes with encoding/json only (tests compare both paths).
	slowOnly bool
	// forceProgress shows progress on any writer (tests).
	forceProgress bool
	// progressInterval is the refresh period of progress. Default: 250ms.
	progressInterval time.Duration
}

// EnsureDefaults fills the zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.Catalog == nil {
		o.Catalog = catalog.Default()
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.StreamFlushInterval == 0 {
		o.StreamFlushInterval = DefaultStreamFlushInterval
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.progressInterval == 0 {
		o.progressInterval = 250 * time.Millisecond
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("ingest: Workers %d < 0", o.Workers))
	}
	if o.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("ingest: BatchSize %d < 0", o.BatchSize))
	}
	if o.StreamFlushInterval < 0 {
		errs = append(errs, fmt.Errorf("ingest: StreamFlushInterval %s < 0", o.StreamFlushInterval))
	}
	if o.MaxFileSize < 0 {
		errs = append(errs, fmt.Errorf("ingest: MaxFileSize %d < 0", o.MaxFileSize))
	}
	return errors.Join(errs...)
}
