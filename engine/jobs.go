package engine

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Report jobs of every kind share one lifecycle: a job is created in
// progress and persisted (startJob), runs in the background, and is
// settled once, COMPLETED with its result or FAILED with the reason
// (completeJob, failJob); Gets find it (lookupJob) and the SQL tables scan
// the jobs of a kind (scanJobs). What a kind adds is its payload: the
// request and, once completed, the result. A new kind is one file with a
// payload type and its registerJobKind call.

// Job statuses, as AWS names them.
const (
	JobInProgress = "IN_PROGRESS"
	JobCompleted  = "COMPLETED"
	JobFailed     = "FAILED"
)

const (
	interruptedJobMessage = "The report job was interrupted because lastaccess stopped before it completed. Generate the report again."
	jobCacheSize          = 512
)

// ErrorDetails is the failure member of a job (ErrorDetails in
// GetOrganizationsAccessReport, Error in the other Gets).
type ErrorDetails struct {
	Message string `json:"Message"`
	Code    string `json:"Code"`
}

// jobPayload is what one kind of report job keeps beside the fields every
// job has: its request and, once completed, its result. It is stored in
// the same JSON object as those fields, so its JSON names must not repeat
// theirs.
type jobPayload interface {
	// kind names the job kind; it is called on nil receivers too.
	kind() string
}

// jobKinds makes an empty payload of each registered kind, for decoding.
var jobKinds = map[string]func() jobPayload{}

// registerJobKind makes a kind's stored jobs readable; each kind's file
// calls it from init.
func registerJobKind(newPayload func() jobPayload) {
	jobKinds[newPayload().kind()] = newPayload
}

// job is the record of a report job: the fields of every kind and the
// kind's payload, stored as one flat JSON object. A settled job is never
// changed again; its payload may cache what it derives from its result.
type job struct {
	jobHeader
	payload jobPayload
}

type jobHeader struct {
	ID        string        `json:"JobId"`
	Kind      string        `json:"Kind"`
	Owner     string        `json:"Owner,omitempty"`
	Status    string        `json:"JobStatus"`
	Created   Timestamp     `json:"JobCreationDate"`
	Completed *Timestamp    `json:"JobCompletionDate,omitempty"`
	Error     *ErrorDetails `json:"ErrorDetails,omitempty"`
}

func encodeJob(j *job) ([]byte, error) {
	head, err := json.Marshal(&j.jobHeader)
	if err != nil {
		return nil, fmt.Errorf("engine: encode job: %w", err)
	}
	body, err := json.Marshal(j.payload)
	if err != nil {
		return nil, fmt.Errorf("engine: encode job: %w", err)
	}
	if len(body) <= 2 { // {}
		return head, nil
	}
	// One object: the header's members, then the payload's.
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

// decodeJob reads a job record; only reads the payload when want accepts
// the header (nil accepts all), else returns nil.
func decodeJob(record []byte, want func(*jobHeader) bool) (*job, error) {
	j := &job{}
	if err := json.Unmarshal(record, &j.jobHeader); err != nil {
		return nil, err
	}
	if j.ID == "" || j.Status == "" {
		return nil, errors.New("incomplete job record")
	}
	if want != nil && !want(&j.jobHeader) {
		return nil, nil
	}
	newPayload, ok := jobKinds[j.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown job kind %q", j.Kind)
	}
	j.payload = newPayload()
	if err := json.Unmarshal(record, j.payload); err != nil {
		return nil, err
	}
	return j, nil
}

// jobTable caches job records and knows the jobs in progress in this
// process.
type jobTable struct {
	store Store

	// mu guards everything below.
	mu    sync.Mutex
	cache map[string]*list.Element // value: *job
	lru   *list.List
	// slots counts, per kind, the jobs that hold a place among the jobs
	// in progress (held: id → kind); a job gives its place back as its
	// settling starts, before any reader can see it settled.
	slots map[string]int
	held  map[string]string
	// active are the jobs of this process not yet seen settled; waiters
	// are closed when they are.
	active  map[string]bool
	waiters map[string]chan struct{}
}

func newJobTable(store Store) *jobTable {
	return &jobTable{store: store, cache: make(map[string]*list.Element), lru: list.New(),
		slots: make(map[string]int), held: make(map[string]string), active: make(map[string]bool), waiters: make(map[string]chan struct{})}
}

// loadJobs settles jobs a previous process left in progress: their
// snapshot is gone, so they are marked FAILED with the reason.
func loadJobs(store Store, clock Clock) (*jobTable, error) {
	t := newJobTable(store)
	var stuck []*job
	err := store.ScanJobs(func(id string, record []byte) error {
		j, err := decodeJob(record, nil)
		if err != nil {
			return fmt.Errorf("engine: job %s: %w", id, err)
		}
		if j.Status == JobInProgress {
			stuck = append(stuck, j)
		}
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	for _, j := range stuck {
		if err := t.settle(settled(j, JobFailed, clock, nil, &ErrorDetails{Code: CodeServiceFailure, Message: interruptedJobMessage})); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// settled is the final record of j: its request, the status, the
// completion time, and the result (payload, nil to keep j's) or failure.
func settled(j *job, status string, clock Clock, result jobPayload, failure *ErrorDetails) *job {
	done := NewTimestamp(clock.Now().Truncate(time.Millisecond))
	final := &job{jobHeader: j.jobHeader, payload: j.payload}
	final.Status, final.Completed, final.Error = status, &done, failure
	if result != nil {
		final.payload = result
	}
	return final
}

// errJobLimit is startJob's refusal when limit jobs of the kind are in
// progress; the kind words the error its API returns.
var errJobLimit = errors.New("engine: too many report jobs in progress")

// start takes a place for j among the jobs in progress of its kind (limit
// 0: no limit) and persists it.
func (t *jobTable) start(j *job, limit int) error {
	data, err := encodeJob(j)
	if err != nil {
		return err
	}
	t.mu.Lock()
	if limit > 0 && t.slots[j.Kind] >= limit {
		t.mu.Unlock()
		return errJobLimit
	}
	t.slots[j.Kind]++
	t.held[j.ID] = j.Kind
	t.active[j.ID] = true
	t.mu.Unlock()
	if err := t.store.PutJob(j.ID, data, true); err != nil {
		t.mu.Lock()
		t.release(j.ID)
		delete(t.active, j.ID)
		t.mu.Unlock()
		return err
	}
	t.mu.Lock()
	t.remember(j)
	t.mu.Unlock()
	return nil
}

// settle stores a job's final record. The job's place among the jobs in
// progress is given back first: whoever sees the job settled (a Get, a
// waiter, the stored record) may start another at once. Even when the
// record cannot be stored, the job is settled in memory, so waiters
// return and Gets tell the failure; a restart then marks it interrupted.
func (t *jobTable) settle(final *job) error {
	data, err := encodeJob(final)
	t.mu.Lock()
	t.release(final.ID)
	t.mu.Unlock()
	if err == nil {
		err = t.store.PutJob(final.ID, data, false)
	}
	if err != nil && final.Status != JobFailed {
		return err // the caller stores the failure instead
	}
	t.mu.Lock()
	t.remember(final)
	delete(t.active, final.ID)
	if ch, ok := t.waiters[final.ID]; ok {
		close(ch)
		delete(t.waiters, final.ID)
	}
	t.mu.Unlock()
	return err
}

// release gives back a job's place among the jobs in progress, once.
// Callers hold mu.
func (t *jobTable) release(id string) {
	if kind, ok := t.held[id]; ok {
		delete(t.held, id)
		t.slots[kind]--
	}
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// finished returns a channel closed once the job is settled.
func (t *jobTable) finished(id string) (<-chan struct{}, error) {
	if _, err := t.get(id); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.active[id] {
		return closedChan, nil
	}
	ch, ok := t.waiters[id]
	if !ok {
		ch = make(chan struct{})
		t.waiters[id] = ch
	}
	return ch, nil
}

// remember caches a job record. Callers hold mu.
func (t *jobTable) remember(j *job) {
	if el, ok := t.cache[j.ID]; ok {
		el.Value = j
		t.lru.MoveToFront(el)
		return
	}
	t.cache[j.ID] = t.lru.PushFront(j)
	for t.lru.Len() > jobCacheSize {
		old := t.lru.Back()
		t.lru.Remove(old)
		delete(t.cache, old.Value.(*job).ID)
	}
}

// get returns the job, from the cache or the store; ErrNotFound if none.
func (t *jobTable) get(id string) (*job, error) {
	t.mu.Lock()
	if el, ok := t.cache[id]; ok {
		t.lru.MoveToFront(el)
		j := el.Value.(*job)
		t.mu.Unlock()
		return j, nil
	}
	t.mu.Unlock()
	record, err := t.store.Job(id)
	if err != nil {
		return nil, err
	}
	j, err := decodeJob(record, nil)
	if err != nil {
		return nil, fmt.Errorf("engine: job %s: %w", id, err)
	}
	t.mu.Lock()
	if el, ok := t.cache[id]; ok { // raced with another reader or the job's settling
		j = el.Value.(*job)
	} else {
		t.remember(j)
	}
	t.mu.Unlock()
	return j, nil
}

// peek returns the job if it is cached, without touching the LRU order.
func (t *jobTable) peek(id string) (*job, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.cache[id]; ok {
		return el.Value.(*job), true
	}
	return nil, false
}

// newJob is a job in progress of the payload's kind, created now.
func newJob(p jobPayload, owner string, created time.Time) *job {
	return &job{jobHeader: jobHeader{ID: uuid.NewString(), Kind: p.kind(), Owner: owner, Status: JobInProgress, Created: NewTimestamp(created)}, payload: p}
}

// startJob persists j in progress and runs it in the background: run
// computes the completed payload (the request's and the result), and the
// job is settled with it, or FAILED with run's error. done releases what
// run reads (snapshots) and is called exactly once: when run returns, or
// at once when the job cannot start (errJobLimit when limit jobs of its
// kind are in progress; 0 means no limit).
func (e *Engine) startJob(j *job, limit int, run func() (jobPayload, error), done func()) error {
	if err := e.jobs.start(j, limit); err != nil {
		done()
		return err
	}
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		result, err := e.runJob(j, run)
		done()
		if err != nil {
			e.failJob(j, err)
			return
		}
		e.completeJob(j, result)
	}()
	return nil
}

// runJob runs a job's computation; a panic fails the job, not the process.
func (e *Engine) runJob(j *job, run func() (jobPayload, error)) (result jobPayload, err error) {
	defer func() {
		if p := recover(); p != nil {
			result, err = nil, fmt.Errorf("internal error: %v", p)
		}
	}()
	if e.beforeFinish != nil {
		e.beforeFinish(j.ID)
	}
	return run()
}

// completeJob stores a job's result, or marks it FAILED if that fails.
func (e *Engine) completeJob(j *job, result jobPayload) {
	if err := e.jobs.settle(settled(j, JobCompleted, e.clock, result, nil)); err != nil {
		e.opts.Logger.Error("report job could not be stored", "job", j.ID, "err", err)
		e.failJob(j, err)
	}
}

// failJob marks a job FAILED with the reason.
func (e *Engine) failJob(j *job, cause error) {
	failure := &ErrorDetails{Code: CodeServiceFailure, Message: "The report job failed: " + cause.Error()}
	if err := e.jobs.settle(settled(j, JobFailed, e.clock, nil, failure)); err != nil {
		e.opts.Logger.Error("report job failure could not be stored", "job", j.ID, "err", err)
	}
}

// mayRead reports whether caller may read the job (--report-owner-only).
func (e *Engine) mayRead(h *jobHeader, caller string) bool {
	return !e.opts.ReportOwnerOnly || h.Owner == caller
}

// lookupJob finds a job of P's kind that the caller may read; any other
// job id is NoSuchEntity, as AWS answers for a job that is not the
// caller's.
func lookupJob[P jobPayload](e *Engine, id, caller string) (*job, P, error) {
	var zero P
	j, err := e.jobs.get(id)
	if errors.Is(err, ErrNotFound) || (err == nil && (j.Kind != zero.kind() || !e.mayRead(&j.jobHeader, caller))) {
		return nil, zero, errorf(CodeNoSuchEntity, "The report job %s does not exist.", id)
	}
	if err != nil {
		return nil, zero, err
	}
	return j, j.payload.(P), nil
}

// scanJobs calls fn for every job of P's kind the caller may read, in
// JobId order.
func scanJobs[P jobPayload](ctx context.Context, e *Engine, caller string, fn func(*job, P) error) error {
	var zero P
	kind := zero.kind()
	want := func(h *jobHeader) bool { return h.Kind == kind && e.mayRead(h, caller) }
	return e.store.ScanJobs(func(id string, record []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		j, ok := e.jobs.peek(id) // the cached, decoded record when there is one
		if !ok {
			var err error
			if j, err = decodeJob(record, want); err != nil {
				return fmt.Errorf("engine: job %s: %w", id, err)
			}
		}
		if j == nil || !want(&j.jobHeader) {
			return nil
		}
		return fn(j, j.payload.(P))
	}, false)
}

// WaitJob blocks until the job is settled or ctx ends.
func (e *Engine) WaitJob(ctx context.Context, id string) error {
	done, err := e.jobs.finished(id)
	if err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
