package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/storage"
)

// observedStore is the real store, with a hook that runs once a job's
// final record is written (PutJob of a job no longer in progress) and
// a fault that refuses those writes.
type observedStore struct {
	*storage.Store
	mu      sync.Mutex
	settled func(id string)
	refuse  error
}

func (s *observedStore) PutJob(id string, record []byte, inProgress bool) error {
	s.mu.Lock()
	hook, refuse := s.settled, s.refuse
	s.mu.Unlock()
	if !inProgress && refuse != nil {
		return refuse
	}
	if err := s.Store.PutJob(id, record, inProgress); err != nil {
		return err
	}
	if !inProgress && hook != nil {
		hook(id)
	}
	return nil
}

func openObserved(t *testing.T, opts engine.Options) (*engine.Engine, *observedStore) {
	t.Helper()
	st, err := storage.Open(t.TempDir(), storage.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	obs := &observedStore{Store: st}
	opts.Clock = engine.FixedClock(mustTime("2026-11-01T00:00:00Z"))
	eng, err := engine.Open(obs, opts)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		st.Close()
	})
	return eng, obs
}

// TestSettledJobFreesItsPlaceFirst: a job stops counting toward
// MaxOrgJobsInProgress before anyone can see it settled, so a client that
// generates again as soon as a job is COMPLETED is never refused. Here the
// next Generate runs the moment the first job's final record is stored.
func TestSettledJobFreesItsPlaceFirst(t *testing.T) {
	eng, obs := openObserved(t, engine.Options{MaxOrgJobsInProgress: 1})
	org, err := eng.ImportOrganization([]byte(scopeOrg().JSON()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	in := engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path}
	var once sync.Once
	var second string
	var secondErr error
	obs.mu.Lock()
	obs.settled = func(string) {
		once.Do(func() { second, secondErr = eng.GenerateOrganizationsAccessReport(ctx, in) })
	}
	obs.mu.Unlock()
	first, err := eng.GenerateOrganizationsAccessReport(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.WaitJob(ctx, first); err != nil {
		t.Fatal(err)
	}
	if secondErr != nil {
		t.Fatalf("Generate once the first job's result is stored: %v", secondErr)
	}
	if err := eng.WaitJob(ctx, second); err != nil {
		t.Fatal(err)
	}
	// And as a client sees it: COMPLETED, then Generate at once.
	for range 50 {
		id, err := eng.GenerateOrganizationsAccessReport(ctx, in)
		if err != nil {
			t.Fatalf("Generate after COMPLETED: %v", err)
		}
		for {
			r, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id})
			if err != nil {
				t.Fatal(err)
			}
			if r.JobStatus != engine.JobInProgress {
				break
			}
			eng.WaitJob(ctx, id)
		}
	}
}

// TestUnstorableResultFailsTheJob: when neither the result nor the
// failure can be stored, the job is FAILED in memory with the reason, so
// WaitJob returns and Get tells it (a restart then finds it in progress
// in the store and reports it interrupted), and it frees its place.
func TestUnstorableResultFailsTheJob(t *testing.T) {
	eng, obs := openObserved(t, engine.Options{MaxOrgJobsInProgress: 1})
	org, err := eng.ImportOrganization([]byte(scopeOrg().JSON()))
	if err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	obs.refuse = errors.New("disk on fire")
	obs.mu.Unlock()
	ctx := t.Context()
	in := engine.GenerateOrganizationsAccessReportInput{EntityPath: org.Root.Path}
	id, err := eng.GenerateOrganizationsAccessReport(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := eng.WaitJob(wait, id); err != nil {
		t.Fatalf("WaitJob on a job whose result cannot be stored: %v", err)
	}
	r, err := eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id})
	if err != nil {
		t.Fatal(err)
	}
	if r.JobStatus != engine.JobFailed || r.ErrorDetails == nil || !strings.Contains(r.ErrorDetails.Message, "disk on fire") {
		t.Fatalf("job whose result cannot be stored: %+v %+v", r, r.ErrorDetails)
	}
	obs.mu.Lock()
	obs.refuse = nil
	obs.mu.Unlock()
	if _, err := eng.GenerateOrganizationsAccessReport(ctx, in); err != nil {
		t.Fatalf("the failed job still holds its place: %v", err)
	}
}
