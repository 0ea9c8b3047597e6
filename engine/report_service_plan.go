package engine

import (
	"sync"
	"sync/atomic"

	"lastaccess/engine/catalog"
	"lastaccess/engine/policy"
)

// What a service last accessed report derives from its subject's
// documents alone, and keeps for the next report on the same entity: the
// listed services (the plan) and, for groups and policies, which actions
// the documents allow.

// plannedService is one listed service of a report.
type plannedService struct {
	namespace, name string
	// tracked (ACTION_LEVEL, services with action-level tracking): the
	// tracked actions the documents allow.
	tracked    []string
	hasTracked bool
}

// planServices lists the catalog services the subject's documents allow
// and, for ACTION_LEVEL, their allowed tracked actions (computed once per
// entity, catalog and granularity).
func planServices(cat *catalog.Catalog, sub *reportSubject, granularity string) []plannedService {
	if sub.cache == nil {
		return computePlan(cat, sub, granularity)
	}
	return sub.cache.plan(cat, granularity, func() []plannedService { return computePlan(cat, sub, granularity) })
}

func computePlan(cat *catalog.Catalog, sub *reportSubject, granularity string) []plannedService {
	services := cat.Services()
	namespaces := make([]string, len(services))
	for i, s := range services {
		namespaces[i] = s.Namespace
	}
	allowed := policy.ServicesAllowed(sub.docs, namespaces, nil)
	out := make([]plannedService, 0, len(allowed))
	for _, ns := range allowed {
		s, _ := cat.Lookup(ns)
		p := plannedService{namespace: ns, name: s.Name}
		if granularity == GranularityActionLevel && len(s.TrackedActions) > 0 {
			p.hasTracked = true
			p.tracked = policy.ActionsAllowed(sub.docs, ns, s.TrackedActions)
		}
		out = append(out, p)
	}
	return out
}

// subjectCache memoizes what a report derives from an entity's documents
// alone: the services they list (per catalog and granularity) and, for
// groups and policies, whether they allow an action. An iamState never
// changes, so neither do these; a re-import builds new entities.
type subjectCache struct {
	mu    sync.Mutex
	plans map[planKey][]plannedService
	// principals of a group or policy, computed once (principalsOnce).
	principalsOnce sync.Once
	principals     []dataPrincipal
	// allowed: namespace → action → do the documents allow it. Replaced,
	// never modified: readers load it without a lock.
	allowed atomic.Pointer[map[string]map[string]bool]
}

type planKey struct {
	cat         *catalog.Catalog
	granularity string
}

// principalsOf returns the cached principals, computing them once.
func (c *subjectCache) principalsOf(compute func() []dataPrincipal) []dataPrincipal {
	c.principalsOnce.Do(func() { c.principals = compute() })
	return c.principals
}

// plan returns the cached plan, computing it once.
func (c *subjectCache) plan(cat *catalog.Catalog, granularity string, compute func() []plannedService) []plannedService {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := planKey{cat, granularity}
	if p, ok := c.plans[k]; ok {
		return p
	}
	if c.plans == nil {
		c.plans = make(map[planKey][]plannedService)
	}
	if len(c.plans) >= 8 { // catalogs replaced many times in one process
		clear(c.plans)
	}
	p := compute()
	c.plans[k] = p
	return p
}

// addAllowed merges decisions a report made into the shared map.
func (c *subjectCache) addAllowed(more map[string]map[string]bool) {
	n := 0
	for _, m := range more {
		n += len(m)
	}
	if n == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	merged := make(map[string]map[string]bool)
	if old := c.allowed.Load(); old != nil {
		for ns, m := range *old {
			n += len(m)
			merged[ns] = m // inner maps are never modified once shared
		}
	}
	if n > 1<<16 { // bounded: start over rather than grow without end
		merged = make(map[string]map[string]bool)
	}
	for ns, m := range more {
		inner := make(map[string]bool, len(merged[ns])+len(m))
		for k, v := range merged[ns] {
			inner[k] = v
		}
		for k, v := range m {
			inner[k] = v
		}
		merged[ns] = inner
	}
	c.allowed.Store(&merged)
}
