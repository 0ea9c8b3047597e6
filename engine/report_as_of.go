package engine

import "time"

// Reports "as of" a past time (SPEC §8): a report's creation time is the
// moment it describes, so a report as of any time the log covers is the
// one generated then, over the 400 days before it. The rollups hold each
// pair's latest access; for pairs used since, the exact latest access up
// to the creation time is read from the log (report_org.go's deferred
// pairs, principal rows in report_service_compute.go).

// reportCreation is a report's creation time: asOf when given, else now,
// at the millisecond precision jobs keep. A time after now is refused:
// the log cannot know the future, and such a report would silently equal
// today's.
func (e *Engine) reportCreation(asOf *time.Time) (time.Time, error) {
	now := e.clock.Now().UTC().Truncate(time.Millisecond)
	if asOf == nil {
		return now, nil
	}
	at := asOf.UTC().Truncate(time.Millisecond)
	if at.After(now) {
		return time.Time{}, errorf(CodeInvalidInput, "The as-of time %s is after now (%s); a report can only be generated as of the past.",
			at.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return at, nil
}
