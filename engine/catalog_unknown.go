package engine

import (
	"context"
	"sort"
	"time"
)

// UnknownEventSource is an event source of stored events whose service
// the catalog does not know: its events are kept under the source's first
// label.
type UnknownEventSource struct {
	EventSource      string
	ServiceNamespace string // the first label, under which the events are stored
	Events           int64
	LastEventTime    time.Time
}

// UnknownEventSources lists the event sources of the stored events whose
// namespace is not in the current catalog, by event source, so a user
// can see what the catalog lacks. Only the blocks of unknown namespaces
// are read.
func (e *Engine) UnknownEventSources(ctx context.Context) ([]UnknownEventSource, error) {
	cat := e.Catalog()
	bySource := map[string]*UnknownEventSource{}
	snap := e.store.Snapshot()
	defer snap.Close()
	n := 0
	err := snap.ScanEvents(EventQuery{Namespaces: func(ns string) bool { return cat.Index(ns) < 0 }}, func(ev *Event) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		u := bySource[ev.EventSource]
		if u == nil {
			u = &UnknownEventSource{EventSource: ev.EventSource, ServiceNamespace: ev.Namespace}
			bySource[ev.EventSource] = u
		}
		u.Events++
		if t := ev.EventTime(); t.After(u.LastEventTime) {
			u.LastEventTime = t
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]UnknownEventSource, 0, len(bySource))
	for _, u := range bySource {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].EventSource < out[j].EventSource })
	return out, nil
}
