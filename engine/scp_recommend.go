package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SCP recommendations (SPEC §8): for an entity path and a window, a
// deny-list SCP of the services SCPs allow there that no account in scope
// used in the window, minus a keep-list, within AWS's 5 120 characters,
// checked by the what-if of attaching it at the entity: its impact over
// the window must be empty.

// DefaultRecommendDays is the window when none is given.
const DefaultRecommendDays = 180

// recommendedPolicyName names the policy a recommendation's what-if
// attaches.
const recommendedPolicyName = "lastaccess-recommended-deny-unused"

var keepShape = &Shape{Member: "Keep", Type: "list", Item: namespaceShape, Doc: "service namespaces never to deny, e.g. s3,iam"}

// RecommendSCPInput is a recommendation request.
type RecommendSCPInput struct {
	EntityPath string
	Days       *int // nil: DefaultRecommendDays
	Keep       []string
	AsOf       *time.Time
	Caller     string
}

// SCPStatement and SCPDocument are a recommended policy, with the field
// order AWS's examples use.
type SCPStatement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource string   `json:"Resource"`
}

type SCPDocument struct {
	Version   string         `json:"Version"`
	Statement []SCPStatement `json:"Statement"`
}

// SCPRecommendation is a recommendation: the policy (nil when no service
// can be denied), the services it denies, those left out for size, and
// the what-if of attaching it.
type SCPRecommendation struct {
	Policy         *SCPDocument `json:"Policy"`
	DeniedServices []string     `json:"DeniedServices"`
	LeftOut        []string     `json:"LeftOut"`
	WhatIfJobID    *string      `json:"WhatIfJobId"`
	Impact         []Impact     `json:"Impact"`
}

// unusedService is a candidate for the deny list: its last use in scope
// before the window (0: never, within the tracking of the whole log).
type unusedService struct {
	namespace string
	lastUse   int64
}

// RecommendSCP computes a recommendation and verifies it by what-if; it
// waits for the what-if's job.
func (e *Engine) RecommendSCP(ctx context.Context, in RecommendSCPInput) (*SCPRecommendation, error) {
	var v validation
	var keep any
	if in.Keep != nil {
		keep = in.Keep
	}
	validateParams(&v, param{entityPathShape, requiredString(in.EntityPath)}, param{daysShape, optionalInt(in.Days)}, param{keepShape, keep})
	if err := v.err(); err != nil {
		return nil, err
	}
	days := DefaultRecommendDays
	if in.Days != nil {
		days = *in.Days
	}
	created, err := e.reportCreation(in.AsOf)
	if err != nil {
		return nil, err
	}
	if err := e.ensureOrgRollup(); err != nil {
		return nil, err
	}
	unused, target, err := e.unusedServices(in.EntityPath, in.Keep, created, days)
	if err != nil {
		return nil, err
	}
	// Longest unused first: never used, then by last use, then by name.
	slices.SortFunc(unused, func(a, b unusedService) int {
		return cmp.Or(cmp.Compare(a.lastUse, b.lastUse), strings.Compare(a.namespace, b.namespace))
	})
	out := &SCPRecommendation{DeniedServices: []string{}, LeftOut: []string{}, Impact: []Impact{}}
	var content string
	for i, s := range unused {
		denied := append(slices.Clone(out.DeniedServices), s.namespace)
		doc := denyDocument(denied)
		text, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		if len(text) > MaxSCPCharacters {
			for _, rest := range unused[i:] {
				out.LeftOut = append(out.LeftOut, rest.namespace)
			}
			break
		}
		out.DeniedServices, out.Policy, content = denied, doc, string(text)
	}
	if out.Policy == nil {
		return out, nil
	}
	slices.Sort(out.DeniedServices)
	slices.Sort(out.LeftOut)
	changes, err := json.Marshal([]map[string]any{{"Attach": map[string]string{"Content": content, "Name": recommendedPolicyName}, "Target": target}})
	if err != nil {
		return nil, err
	}
	asOf := created
	id, err := e.GenerateSCPWhatIf(ctx, SCPWhatIfInput{EntityPath: in.EntityPath, Changes: string(changes), Days: &days, AsOf: &asOf, Caller: in.Caller})
	if err != nil {
		return nil, err
	}
	out.WhatIfJobID = &id
	if err := e.WaitJob(ctx, id); err != nil {
		return nil, err
	}
	impact, err := e.WhatIfImpact(ctx, id, in.Caller)
	if err != nil {
		return nil, err
	}
	if len(impact) > 0 {
		var names []string
		for _, im := range impact {
			names = append(names, im.ServiceNamespace)
		}
		return nil, errorf(CodeServiceFailure, "The recommended SCP would deny services used in the window (%s; what-if job %s): this is a bug in lastaccess, please report it.",
			strings.Join(names, ", "), id)
	}
	out.Impact = impact
	return out, nil
}

// denyDocument is the deny-list SCP of the namespaces, sorted.
func denyDocument(namespaces []string) *SCPDocument {
	actions := make([]string, len(namespaces))
	for i, ns := range namespaces {
		actions[i] = ns + ":*"
	}
	slices.Sort(actions)
	return &SCPDocument{Version: "2012-10-17", Statement: []SCPStatement{{Effect: "Deny", Action: actions, Resource: "*"}}}
}

// unusedServices lists the services SCPs allow at the entity that no
// account in scope (the management account aside) used in the window,
// minus keep, with each one's last use before it; and the id of the
// entity, where the policy would be attached.
func (e *Engine) unusedServices(path string, keep []string, created time.Time, days int) ([]unusedService, string, error) {
	from, to := created.Add(-time.Duration(days)*24*time.Hour).UnixNano(), created.UnixNano()
	e.stateMu.RLock()
	org, cat, r := e.org, e.cat, e.orgRollup
	if org == nil {
		e.stateMu.RUnlock()
		if _, err := ParseEntityPath(path); err != nil {
			return nil, "", err
		}
		return nil, "", errorf(CodeNoSuchEntity, "No organization has been imported, so the entity path %s does not exist. Import one with `lastaccess org import FILE`.", path)
	}
	node, err := org.ResolvePath(path)
	if err != nil {
		e.stateMu.RUnlock()
		return nil, "", err
	}
	if node.Kind == KindAccount && node.ID == org.ManagementAccountID {
		e.stateMu.RUnlock()
		return nil, "", errorf(CodeInvalidInput, "%s is the management account, which SCPs do not limit.", path)
	}
	for _, ns := range keep {
		if _, ok := cat.Lookup(ns); !ok {
			e.stateMu.RUnlock()
			return nil, "", errorf(CodeInvalidInput, "The keep-list names %s, which is not a service namespace of the catalog.", truncateForMessage(ns))
		}
	}
	var accounts []uint32
	for _, a := range accountsUnder(node, nil) {
		if ai, ok := r.accountIx[a.ID]; ok && a.ID != org.ManagementAccountID {
			accounts = append(accounts, ai)
		}
	}
	allowed := org.allowedServices(node, cat)
	var unused []unusedService
	var deferred []deferredPair // accounts used after the window's end: their last use up to it is read from the log
	for i, s := range cat.Services() {
		if !allowed[i] || slices.Contains(keep, s.Namespace) {
			continue
		}
		u := unusedService{namespace: s.Namespace}
		used := false
		var later []deferredPair
		if col := r.services[s.Namespace]; col != nil {
			for _, ai := range accounts {
				row, ok := col.pos[ai]
				if !ok {
					continue
				}
				switch t := col.time[row]; {
				case t > to:
					later = append(later, deferredPair{account: r.accounts[ai], namespace: s.Namespace})
				case t >= from:
					used = true
				default:
					u.lastUse = max(u.lastUse, t)
				}
				if used {
					break
				}
			}
		}
		if !used {
			unused = append(unused, u)
			deferred = append(deferred, later...)
		}
	}
	var snap Snapshot
	if len(deferred) > 0 {
		snap = e.store.Snapshot()
	}
	e.stateMu.RUnlock()
	if snap == nil {
		return unused, node.ID, nil
	}
	defer snap.Close()
	index := make(map[string]int, len(unused))
	for i, u := range unused {
		index[u.namespace] = i
	}
	usedInWindow := map[string]bool{}
	notServiceLinked := func(ev *Event) bool { return !ev.ServiceLinked }
	for _, d := range deferred {
		if usedInWindow[d.namespace] {
			continue
		}
		ev, ok, err := snap.LatestEvent(d.account, d.namespace, to, notServiceLinked)
		if err != nil {
			return nil, "", fmt.Errorf("engine: recommend: %w", err)
		}
		switch {
		case !ok:
		case ev.Time >= from:
			usedInWindow[d.namespace] = true
		default:
			u := &unused[index[d.namespace]]
			u.lastUse = max(u.lastUse, ev.Time)
		}
	}
	return slices.DeleteFunc(unused, func(u unusedService) bool { return usedInWindow[u.namespace] }), node.ID, nil
}
