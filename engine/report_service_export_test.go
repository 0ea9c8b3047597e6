package engine

// SetComputeWorkers makes service last accessed reports split their
// principals among up to workers goroutines, perWorker principals at
// least each; the returned function restores the defaults.
func SetComputeWorkers(workers, perWorker int) (restore func()) {
	w, p := maxComputeWorkers, principalsPerWorker
	maxComputeWorkers, principalsPerWorker = workers, perWorker
	return func() { maxComputeWorkers, principalsPerWorker = w, p }
}
