package engine

import (
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Job statuses, as AWS names them.
const (
	JobInProgress = "IN_PROGRESS"
	JobCompleted  = "COMPLETED"
	JobFailed     = "FAILED"
)

// Job kinds.
const (
	JobKindOrganizations        = "organizations"
	JobKindServiceLastAccessed  = "service-last-accessed"
	interruptedJobMessage       = "The report job was interrupted because lastaccess stopped before it completed. Generate the report again."
	internalFailureCode         = "ServiceFailure"
	jobCacheSize                = 512
	defaultMaxItems             = 100
	maxMaxItems                 = 1000
	maxMarkerLength             = 320
	reportOwnerOnlyNotFoundText = "The report job %s does not exist."
)

// ErrorDetails is the failure member of a job (ErrorDetails in
// GetOrganizationsAccessReport, Error in the other Gets).
type ErrorDetails struct {
	Message string `json:"Message"`
	Code    string `json:"Code"`
}

// job is the persisted record of a report job. Completed jobs are
// immutable; their sort orders are computed once and cached.
type job struct {
	ID        string        `json:"JobId"`
	Kind      string        `json:"Kind"`
	Owner     string        `json:"Owner,omitempty"`
	Status    string        `json:"JobStatus"`
	Created   Timestamp     `json:"JobCreationDate"`
	Completed *Timestamp    `json:"JobCompletionDate,omitempty"`
	Error     *ErrorDetails `json:"ErrorDetails,omitempty"`

	// Organizations report.
	EntityPath    string         `json:"EntityPath,omitempty"`
	PolicyID      string         `json:"OrganizationsPolicyId,omitempty"`
	AccessDetails []AccessDetail `json:"AccessDetails,omitempty"` // by namespace, ascending

	// Service last accessed details (report_service.go). The per-entity
	// table of a completed job is stored beside it (Store.PutJobTable).
	ARN                  string                `json:"Arn,omitempty"`
	JobType              string                `json:"JobType,omitempty"`
	ServicesLastAccessed []ServiceLastAccessed `json:"ServicesLastAccessed,omitempty"` // by namespace, ascending

	ordersMu sync.Mutex
	orders   map[string][]int32
}

// jobTable caches job records and counts the jobs in progress.
type jobTable struct {
	store Store
	clock Clock

	// mu guards cache, lru, running and waiters.
	mu      sync.Mutex
	cache   map[string]*list.Element // value: *job
	lru     *list.List
	running map[string]int           // kind → jobs in progress in this process
	waiters map[string]chan struct{} // job id → closed when it leaves IN_PROGRESS
}

func newJobTable(store Store, clock Clock) *jobTable {
	return &jobTable{store: store, clock: clock, cache: make(map[string]*list.Element), lru: list.New(), running: make(map[string]int), waiters: make(map[string]chan struct{})}
}

// loadJobs settles jobs a previous process left in progress: their
// snapshot is gone, so they are marked FAILED with the reason.
func loadJobs(store Store, clock Clock) (*jobTable, error) {
	t := newJobTable(store, clock)
	var stuck []*job
	err := store.ScanJobs(func(id string, record []byte) error {
		j, err := decodeJob(record)
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
		now := NewTimestamp(clock.Now().Truncate(time.Millisecond))
		j.Status, j.Completed = JobFailed, &now
		j.Error = &ErrorDetails{Code: internalFailureCode, Message: interruptedJobMessage}
		if err := t.put(j); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func decodeJob(record []byte) (*job, error) {
	j := &job{}
	if err := json.Unmarshal(record, j); err != nil {
		return nil, err
	}
	if j.ID == "" || j.Status == "" {
		return nil, errors.New("incomplete job record")
	}
	return j, nil
}

// put persists a job record and caches it.
func (t *jobTable) put(j *job) error {
	data, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("engine: encode job: %w", err)
	}
	if err := t.store.PutJob(j.ID, data, j.Status == JobInProgress); err != nil {
		return err
	}
	t.mu.Lock()
	t.remember(j)
	if ch, ok := t.waiters[j.ID]; ok && j.Status != JobInProgress {
		close(ch)
		delete(t.waiters, j.ID)
	}
	t.mu.Unlock()
	return nil
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// finished returns a channel closed once the job is no longer in progress.
func (t *jobTable) finished(id string) (<-chan struct{}, error) {
	if _, err := t.get(id); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	el, ok := t.cache[id]
	if ok && el.Value.(*job).Status != JobInProgress {
		return closedChan, nil
	}
	if !ok {
		// Evicted meanwhile: only a finished job is ever evicted while it
		// is not being written, so read it again.
		t.mu.Unlock()
		j, err := t.get(id)
		t.mu.Lock()
		if err != nil {
			return nil, err
		}
		if j.Status != JobInProgress {
			return closedChan, nil
		}
	}
	ch, ok := t.waiters[id]
	if !ok {
		ch = make(chan struct{})
		t.waiters[id] = ch
	}
	return ch, nil
}

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
	j, err := decodeJob(record)
	if err != nil {
		return nil, fmt.Errorf("engine: job %s: %w", id, err)
	}
	t.mu.Lock()
	if el, ok := t.cache[id]; ok { // raced with another reader or the job's finish
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

// begin registers a new job of a kind unless limit jobs of that kind are
// already in progress.
func (t *jobTable) begin(kind string, limit int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if limit > 0 && t.running[kind] >= limit {
		return false
	}
	t.running[kind]++
	return true
}

func (t *jobTable) end(kind string) {
	t.mu.Lock()
	t.running[kind]--
	t.mu.Unlock()
}

// JobSummary is one line of a job listing.
type JobSummary struct {
	JobID      string
	Kind       string
	Status     string
	Created    Timestamp
	Completed  *Timestamp
	EntityPath string
	PolicyID   string
	ARN        string
}

// order returns the permutation of AccessDetails for a sort key.
func (j *job) order(sortKey string) []int32 {
	j.ordersMu.Lock()
	defer j.ordersMu.Unlock()
	if o, ok := j.orders[sortKey]; ok {
		return o
	}
	n := len(j.AccessDetails)
	o := make([]int32, n)
	for i := range o {
		o[i] = int32(i)
	}
	d := j.AccessDetails
	switch sortKey {
	case SortNamespaceDescending:
		for i := range o {
			o[i] = int32(n - 1 - i)
		}
	case SortTimeAscending, SortTimeDescending:
		desc := sortKey == SortTimeDescending
		// Stable over the namespace order, so ties stay by namespace
		// ascending. A service never accessed sorts as MySQL sorts NULL:
		// first ascending, last descending.
		sort.SliceStable(o, func(a, b int) bool {
			ta, tb := d[o[a]].LastAuthenticatedTime, d[o[b]].LastAuthenticatedTime
			switch {
			case ta == nil && tb == nil:
				return false
			case ta == nil:
				return !desc
			case tb == nil:
				return desc
			case desc:
				return ta.After(tb.Time)
			default:
				return ta.Before(tb.Time)
			}
		})
	}
	if j.orders == nil {
		j.orders = make(map[string][]int32)
	}
	j.orders[sortKey] = o
	return o
}
