package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"lastaccess/engine/catalog"
)

// Options configure an Engine. The zero value gives the defaults stated
// per field.
type Options struct {
	// Clock fixes "now" for report creation and the tracking period.
	// Default: the wall clock.
	Clock Clock
	// Catalog overrides the service catalog. Default: the catalog imported
	// into the data directory, else the embedded one.
	Catalog *catalog.Catalog
	// MaxOrgJobsInProgress bounds concurrent Organizations report jobs;
	// Generate beyond it fails with ReportGenerationLimitExceeded.
	// Default (0) 100.
	MaxOrgJobsInProgress int
	// FoldBytes is the size of unfolded rollup changes that triggers
	// writing them into rollup rows. Default (0) 16 MiB.
	FoldBytes int
	// ReportOwnerOnly lets only the user who generated a report job read it.
	ReportOwnerOnly bool
	// Logger receives background failures. Default: discard.
	Logger *slog.Logger
}

// EnsureDefaults fills the fields left zero with their defaults.
func (o *Options) EnsureDefaults() {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.MaxOrgJobsInProgress == 0 {
		o.MaxOrgJobsInProgress = 100
	}
	if o.FoldBytes == 0 {
		o.FoldBytes = 16 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.MaxOrgJobsInProgress < 0 {
		errs = append(errs, fmt.Errorf("engine: MaxOrgJobsInProgress %d < 0", o.MaxOrgJobsInProgress))
	}
	if o.FoldBytes < 0 {
		errs = append(errs, fmt.Errorf("engine: FoldBytes %d < 0", o.FoldBytes))
	}
	return errors.Join(errs...)
}

// Engine is the domain over a Store. It is safe for concurrent use.
type Engine struct {
	store  Store
	opts   Options
	clock  Clock
	secret []byte

	// writeMu serializes everything that writes events or rollups:
	// appends, folds, rebuild, organization and catalog imports.
	writeMu sync.Mutex

	// stateMu guards the fields below. Appends hold it exclusively from
	// their commit to the end of merging the batch's delta, so a reader
	// holding it shared sees the rollups and a store snapshot that agree.
	stateMu        sync.RWMutex
	cat            *catalog.Catalog
	org            *Organization
	orgRollup      *orgRollup   // nil until a report needs it
	pending        *rollupDelta // committed changes not yet folded into rows
	pendingThrough uint64       // last commit sequence merged into pending
	iam            *iamState    // imported IAM entities; nil until first used (ensureIAM)

	// rowCache holds decoded principal rollup rows for the entity reports;
	// it has its own lock (report_service_rows.go).
	rowCache principalRowCache

	jobs *jobTable

	bg     sync.WaitGroup // report jobs running in the background
	closed chan struct{}

	// beforeFinish, set only by this package's tests (export_test.go),
	// runs as each report job starts computing.
	beforeFinish func(jobID string)
}

// Open builds an engine over store: it loads the organization, the
// catalog, the rollup changes of commits not yet folded into rows, and
// settles jobs a previous process left in progress.
func Open(store Store, opts Options) (*Engine, error) {
	opts.EnsureDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{
		store:   store,
		opts:    opts,
		clock:   opts.Clock,
		pending: newRollupDelta(),
		closed:  make(chan struct{}),
	}
	secret, err := store.Meta(metaSecret)
	if err != nil {
		return nil, err
	}
	if len(secret) < 16 {
		return nil, errors.New("engine: data directory has no marker secret")
	}
	e.secret = secret
	if err := e.loadCatalog(); err != nil {
		return nil, err
	}
	if err := e.loadOrganization(); err != nil {
		return nil, err
	}
	if v, err := store.Meta(metaRebuilding); err != nil {
		return nil, err
	} else if len(v) > 0 {
		// A rebuild was interrupted: rows are incomplete until it finishes.
		if _, err := e.rebuildLocked(context.Background()); err != nil {
			return nil, fmt.Errorf("engine: finish interrupted rebuild: %w", err)
		}
	}
	if err := e.loadUnfolded(); err != nil {
		return nil, err
	}
	jobs, err := loadJobs(store, e.clock)
	if err != nil {
		return nil, err
	}
	e.jobs = jobs
	return e, nil
}

// Meta names in the store.
const (
	metaSecret     = "secret"
	metaOrg        = "org"
	metaCatalog    = "catalog"
	metaRebuilding = "rebuilding"
)

func (e *Engine) loadCatalog() error {
	if e.opts.Catalog != nil {
		e.cat = e.opts.Catalog
		return nil
	}
	data, err := e.store.Meta(metaCatalog)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		e.cat = catalog.Default()
		return nil
	}
	cat, err := catalog.Parse(data)
	if err != nil {
		return fmt.Errorf("engine: imported catalog: %w", err)
	}
	e.cat = cat
	return nil
}

func (e *Engine) loadOrganization() error {
	data, err := e.store.Meta(metaOrg)
	if err != nil || len(data) == 0 {
		return err
	}
	org, err := ParseOrganization(data)
	if err != nil {
		return fmt.Errorf("engine: stored organization: %w", err)
	}
	e.org = org
	return nil
}

// loadUnfolded replays the commits a previous process stored but did not
// fold into rows (it crashed): their events are pushed into pending as the
// appends did.
func (e *Engine) loadUnfolded() error {
	return e.store.ScanUnfolded(func(seq uint64, events []Event) error {
		for i := range events {
			e.pending.push(&events[i])
		}
		e.pendingThrough = max(e.pendingThrough, seq)
		return nil
	})
}

// Catalog returns the service catalog in use.
func (e *Engine) Catalog() *catalog.Catalog {
	e.stateMu.RLock()
	defer e.stateMu.RUnlock()
	return e.cat
}

// Organization returns the imported organization, or nil.
func (e *Engine) Organization() *Organization {
	e.stateMu.RLock()
	defer e.stateMu.RUnlock()
	return e.org
}

// Now is the engine's clock.
func (e *Engine) Now() Timestamp { return NewTimestamp(e.clock.Now()) }

// ImportOrganization validates and stores an organization snapshot,
// replacing the previous one. Events are untouched.
func (e *Engine) ImportOrganization(data []byte) (*Organization, error) {
	org, err := ParseOrganization(data)
	if err != nil {
		return nil, &Error{Code: CodeInvalidInput, Message: err.Error()}
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	if err := e.store.PutMeta(metaOrg, org.Snapshot()); err != nil {
		return nil, err
	}
	e.stateMu.Lock()
	e.org = org
	e.stateMu.Unlock()
	return org, nil
}

// Close waits for running report jobs and folds the pending rollup changes
// into rows, so the next open starts fast. It does not close the store.
func (e *Engine) Close() error {
	select {
	case <-e.closed:
		return nil
	default:
	}
	close(e.closed)
	e.bg.Wait()
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	return e.foldLocked()
}
