package engine

import "time"

// Clock tells the engine what time it is: report creation times and the
// tracking period come from it, so tests and reproducible reports fix it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns the same instant (the global --now flag).
type FixedClock time.Time

func (c FixedClock) Now() time.Time { return time.Time(c) }

// TrackingPeriod is how far back reports look: accesses older than this
// before the report's creation are as if they did not happen.
const TrackingPeriod = 400 * 24 * time.Hour
