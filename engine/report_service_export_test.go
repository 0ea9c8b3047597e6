package engine

// SetComputeWorkers makes service last accessed reports split their
// principals among up to workers goroutines, perWorker principals at
// least each; the returned function restores the defaults.
func SetComputeWorkers(workers, perWorker int) (restore func()) {
	w, p := maxComputeWorkers, principalsPerWorker
	maxComputeWorkers, principalsPerWorker = workers, perWorker
	return func() { maxComputeWorkers, principalsPerWorker = w, p }
}

// DropRowCache empties the decoded principal rows, so the next entity
// report reads every row from the store (benchmarks of the cold case).
func (e *Engine) DropRowCache() {
	e.rowCache.mu.Lock()
	e.rowCache.rows, e.rowCache.gen, e.rowCache.entries = nil, nil, 0
	e.rowCache.mu.Unlock()
}
