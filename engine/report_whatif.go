package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"lastaccess/engine/catalog"
	"lastaccess/engine/policy"
)

// What-if SCP reports (SPEC §8): an Organizations access report computed
// on the organization as a change set of SCPs would make it
// (scp_changes.go), and the impact list: for each service the change
// newly denies at an account in scope, and for each action it newly
// denies where the service stays allowed, the accounts and principals
// that used it in the last N days. The report is an ordinary
// Organizations job (same Get, same tables); the change set and the
// impact ride in its payload (orgJob.WhatIf).
//
// The impact reads events, not rollups, so it is exact to the event and
// honours "as of": the rollup only says which (account, service) pairs
// have an access recent enough to be worth reading; service-linked roles,
// which SCPs do not limit, are left out as in Organizations reports.

// DefaultWhatIfDays is the impact window when none is given.
const DefaultWhatIfDays = 90

// maxWindowDays bounds a window in days (100 years).
const maxWindowDays = 36500

var (
	changesShape = &Shape{Member: "Changes", Type: "string", Required: true, Min: 1, HasMin: true,
		Doc: "the change set, a JSON array: [{\"Attach\": {\"PolicyId\": \"p-…\"} | {\"Content\": \"…\", \"Name\": \"…\"}, \"Target\": \"ou-…\"}, {\"Detach\": \"p-…\", \"Target\": \"r-…\"}, {\"Replace\": \"p-…\", \"Content\": \"…\"}]"}
	daysShape = &Shape{Member: "Days", Type: "integer", Min: 1, Max: maxWindowDays, HasMin: true, HasMax: true,
		Doc: "the window in days before the report's creation"}
)

// SCPWhatIfInput is a what-if request.
type SCPWhatIfInput struct {
	EntityPath            string
	Changes               string  // the change set's JSON
	OrganizationsPolicyID *string // nil: not given
	Days                  *int    // nil: DefaultWhatIfDays
	AsOf                  *time.Time
	Caller                string
}

// ImpactPrincipal is one principal's last use of what a change denies.
type ImpactPrincipal struct {
	Arn              string    `json:"Arn"`
	LastAccessedTime Timestamp `json:"LastAccessedTime"`
	Region           string    `json:"Region"`
}

// ImpactAccount is one account's last use of what a change denies, and
// its principals that used it.
type ImpactAccount struct {
	AccountID        string            `json:"AccountId"`
	EntityPath       string            `json:"EntityPath"`
	LastAccessedTime Timestamp         `json:"LastAccessedTime"`
	Region           string            `json:"Region"`
	Principals       []ImpactPrincipal `json:"Principals"`
}

// Impact is one service (Action empty) or action a change newly denies,
// with the accounts that used it in the window.
type Impact struct {
	ServiceNamespace string          `json:"ServiceNamespace"`
	ServiceName      string          `json:"ServiceName"`
	Action           string          `json:"Action,omitempty"`
	Accounts         []ImpactAccount `json:"Accounts"`
}

// SCPWhatIfResult is a what-if's answer: its report job and the impact.
type SCPWhatIfResult struct {
	JobID  string   `json:"JobId"`
	Impact []Impact `json:"Impact"`
}

// whatIfRequest is a validated what-if request, as generateOrgReport
// takes it.
type whatIfRequest struct {
	text    json.RawMessage
	changes []parsedChange
	days    int
}

// whatIfRecord is what an Organizations job keeps of its what-if.
type whatIfRecord struct {
	Changes json.RawMessage `json:"Changes"`
	Days    int             `json:"Days"`
	Impact  []Impact        `json:"Impact,omitempty"`
}

// GenerateSCPWhatIf validates a what-if and starts its report job; it
// returns the JobId at once. WhatIfImpact reads the impact once the job
// has completed.
func (e *Engine) GenerateSCPWhatIf(ctx context.Context, in SCPWhatIfInput) (string, error) {
	var v validation
	validateParams(&v, param{entityPathShape, requiredString(in.EntityPath)}, param{changesShape, requiredString(in.Changes)},
		param{policyIDShape, optionalString(in.OrganizationsPolicyID)}, param{daysShape, optionalInt(in.Days)})
	if err := v.err(); err != nil {
		return "", err
	}
	changes, err := parseSCPChanges(in.Changes)
	if err != nil {
		return "", err
	}
	days := DefaultWhatIfDays
	if in.Days != nil {
		days = *in.Days
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(in.Changes)); err != nil {
		return "", errorf(CodeValidationError, "Invalid change set: %v", err)
	}
	req := &whatIfRequest{text: json.RawMessage(compact.Bytes()), changes: changes, days: days}
	return e.generateOrgReport(GenerateOrganizationsAccessReportInput{
		EntityPath: in.EntityPath, OrganizationsPolicyID: in.OrganizationsPolicyID, Caller: in.Caller, AsOf: in.AsOf,
	}, req)
}

// WhatIfImpact returns the impact list of a completed what-if job. A job
// that is not a what-if's is InvalidInput; one not completed yet is too,
// saying its status.
func (e *Engine) WhatIfImpact(ctx context.Context, jobID, caller string) ([]Impact, error) {
	var v validation
	validateParams(&v, param{jobIDShape, requiredString(jobID)})
	if err := v.err(); err != nil {
		return nil, err
	}
	j, p, err := lookupJob[*orgJob](e, jobID, caller)
	if err != nil {
		return nil, err
	}
	if p.WhatIf == nil {
		return nil, errorf(CodeInvalidInput, "The report job %s is not a what-if report.", jobID)
	}
	if j.Status != JobCompleted {
		return nil, errorf(CodeInvalidInput, "The what-if report job %s is %s, not COMPLETED.", jobID, j.Status)
	}
	if p.WhatIf.Impact == nil {
		return []Impact{}, nil
	}
	return p.WhatIf.Impact, nil
}

// WhatIfImpactRow is one row of the scp_what_if_impacts table: one
// principal's use of one denied service or action.
type WhatIfImpactRow struct {
	JobID, ServiceNamespace, Action, AccountID, EntityPath, PrincipalArn, Region string
	LastAccessedTime                                                             Timestamp
}

// ScanWhatIfImpacts calls fn for every impact row of the completed
// what-if jobs the caller may read (all jobs, or only ids when given), by
// JobId then the impact's order.
func (e *Engine) ScanWhatIfImpacts(ctx context.Context, caller string, ids []string, fn func(WhatIfImpactRow) error) error {
	emit := func(j *job, p *orgJob) error {
		if p.WhatIf == nil || j.Status != JobCompleted {
			return nil
		}
		for _, im := range p.WhatIf.Impact {
			for _, a := range im.Accounts {
				for _, pr := range a.Principals {
					row := WhatIfImpactRow{JobID: j.ID, ServiceNamespace: im.ServiceNamespace, Action: im.Action, AccountID: a.AccountID,
						EntityPath: a.EntityPath, PrincipalArn: pr.Arn, Region: pr.Region, LastAccessedTime: pr.LastAccessedTime}
					if err := fn(row); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if ids == nil {
		return scanJobs(ctx, e, caller, emit)
	}
	for _, id := range ids {
		j, p, err := lookupJob[*orgJob](e, id, caller)
		if ErrorCode(err) == CodeNoSuchEntity {
			continue
		}
		if err != nil {
			return err
		}
		if err := emit(j, p); err != nil {
			return err
		}
	}
	return nil
}

// impactPlan is what a what-if's impact reads: per account in scope whose
// SCPs change, the services newly denied and those whose actions may be,
// each kept only if the rollup shows an access recent enough.
type impactPlan struct {
	cat      *catalog.Catalog
	from, to int64
	accounts []impactAccount
}

type impactAccount struct {
	id, path string
	denied   map[string]bool // services newly denied
	// actions are services allowed before and after whose actions a
	// changed document touches: each used action is checked.
	actions       map[string]bool
	before, after [][]*policy.Document
	actionCache   map[string]bool // full action → newly denied (shared by accounts of one level pair)
}

// levelKey names an account's SCP levels within one organization.
func levelKey(n *Node) string {
	var b strings.Builder
	for _, p := range pathFromRoot(n) {
		for _, scp := range p.Policies {
			b.WriteString(scp.ID)
			b.WriteByte(',')
		}
		b.WriteByte('/')
	}
	return b.String()
}

func scpLevels(n *Node) [][]*policy.Document {
	var levels [][]*policy.Document
	for _, p := range pathFromRoot(n) {
		docs := make([]*policy.Document, len(p.Policies))
		for i, scp := range p.Policies {
			docs[i] = scp.Document
		}
		levels = append(levels, docs)
	}
	return levels
}

// changedDocuments are the documents that differ between two SCP paths of
// one account, level by level, compared by content.
func changedDocuments(before, after *Node) []*policy.Document {
	var out []*policy.Document
	b, a := pathFromRoot(before), pathFromRoot(after)
	for i := range b {
		bc, ac := map[string]*SCP{}, map[string]*SCP{}
		for _, p := range b[i].Policies {
			bc[p.Content] = p
		}
		for _, p := range a[i].Policies {
			ac[p.Content] = p
		}
		for c, p := range bc {
			if ac[c] == nil {
				out = append(out, p.Document)
			}
		}
		for c, p := range ac {
			if bc[c] == nil {
				out = append(out, p.Document)
			}
		}
	}
	return out
}

// planImpact decides which pairs a what-if's impact reads. Callers hold
// stateMu (shared) and the org rollup is loaded.
func (e *Engine) planImpact(before, after *Organization, cat *catalog.Catalog, accounts []*Node, created time.Time, days int) *impactPlan {
	plan := &impactPlan{cat: cat, from: created.Add(-time.Duration(days) * 24 * time.Hour).UnixNano(), to: created.UnixNano()}
	services := cat.Services()
	type pairSets struct {
		denied, actions map[string]bool
		cache           map[string]bool
	}
	byLevels := map[string]*pairSets{}
	r := e.orgRollup
	for _, acct := range accounts {
		if acct.ID == after.ManagementAccountID {
			continue
		}
		old, ok := before.Node(acct.ID)
		if !ok {
			continue
		}
		changed := changedDocuments(old, acct)
		if len(changed) == 0 && before.scpsEnabled == after.scpsEnabled {
			continue
		}
		key := levelKey(old) + "|" + levelKey(acct)
		sets := byLevels[key]
		if sets == nil {
			sets = &pairSets{denied: map[string]bool{}, actions: map[string]bool{}, cache: map[string]bool{}}
			was, is := before.allowedServices(old, cat), after.allowedServices(acct, cat)
			for i, s := range services {
				switch {
				case was[i] && !is[i]:
					sets.denied[s.Namespace] = true
				case was[i] && is[i]:
					for _, d := range changed {
						if d.TouchesService(s.Namespace, actionsOf(s)) {
							sets.actions[s.Namespace] = true
							break
						}
					}
				}
			}
			byLevels[key] = sets
		}
		ai, ok := r.accountIx[acct.ID]
		if !ok {
			continue
		}
		recent := func(ns string) bool {
			col := r.services[ns]
			if col == nil {
				return false
			}
			row, ok := col.pos[ai]
			return ok && col.time[row] >= plan.from
		}
		ia := impactAccount{id: acct.ID, path: acct.Path, denied: map[string]bool{}, actions: map[string]bool{}, actionCache: sets.cache}
		for ns := range sets.denied {
			if recent(ns) {
				ia.denied[ns] = true
			}
		}
		for ns := range sets.actions {
			if recent(ns) {
				ia.actions[ns] = true
			}
		}
		if len(ia.denied) == 0 && len(ia.actions) == 0 {
			continue
		}
		if len(ia.actions) > 0 {
			ia.before, ia.after = scpLevels(old), scpLevels(acct)
			if !before.scpsEnabled {
				ia.before = nil // every action allowed
			}
		}
		plan.accounts = append(plan.accounts, ia)
	}
	slices.SortFunc(plan.accounts, func(a, b impactAccount) int { return strings.Compare(a.id, b.id) })
	return plan
}

// run reads the planned pairs' events in the window and builds the
// impact list.
func (p *impactPlan) run(snap Snapshot) ([]Impact, error) {
	uses := map[impactKey]map[string]*accountUse{}
	for _, a := range p.accounts {
		// One query per pair: a namespace filter would step through every
		// service the account used to find the few planned.
		for _, ns := range slices.Sorted(maps.Keys(a.denied)) {
			if err := p.scanPair(snap, &a, ns, uses); err != nil {
				return nil, err
			}
		}
		for _, ns := range slices.Sorted(maps.Keys(a.actions)) {
			if err := p.scanPair(snap, &a, ns, uses); err != nil {
				return nil, err
			}
		}
	}
	return p.impactList(uses), nil
}

// impactKey is a service (action "") or an action the change denies.
type impactKey struct{ ns, action string }

// accountUse is one account's principals' latest use of an impactKey.
type accountUse struct {
	path       string
	principals map[string]lastAccess
}

// scanPair reads one planned (account, service) pair's events in the
// window into uses.
func (p *impactPlan) scanPair(snap Snapshot, a *impactAccount, ns string, uses map[impactKey]map[string]*accountUse) error {
	q := EventQuery{Accounts: []string{a.id}, Namespace: ns, From: p.from, To: p.to, HasFrom: true, HasTo: true}
	return snap.ScanEvents(q, func(ev *Event) error {
		if ev.ServiceLinked {
			return nil
		}
		k := impactKey{ns: ev.Namespace}
		if !a.denied[ev.Namespace] {
			full := ev.Namespace + ":" + ev.Action
			denied, ok := a.actionCache[full]
			if !ok {
				denied = policy.ActionAllowedByLevels(a.before, full) && !policy.ActionAllowedByLevels(a.after, full)
				a.actionCache[full] = denied
			}
			if !denied {
				return nil
			}
			k.action = ev.Action
		}
		byAccount := uses[k]
		if byAccount == nil {
			byAccount = map[string]*accountUse{}
			uses[k] = byAccount
		}
		u := byAccount[a.id]
		if u == nil {
			u = &accountUse{path: a.path, principals: map[string]lastAccess{}}
			byAccount[a.id] = u
		}
		cur := u.principals[ev.PrincipalARN]
		if cur.merge(lastAccess{Time: ev.Time, Region: ev.Region}) {
			u.principals[ev.PrincipalARN] = cur
		}
		return nil
	})
}

// impactList orders the uses as the impact list.
func (p *impactPlan) impactList(uses map[impactKey]map[string]*accountUse) []Impact {
	out := make([]Impact, 0, len(uses))
	for k, byAccount := range uses {
		im := Impact{ServiceNamespace: k.ns, ServiceName: k.ns, Action: k.action}
		if s, ok := p.cat.Lookup(k.ns); ok {
			im.ServiceName = s.Name
		}
		for _, id := range slices.Sorted(maps.Keys(byAccount)) {
			u := byAccount[id]
			acct := ImpactAccount{AccountID: id, EntityPath: u.path}
			var latest lastAccess
			for _, arn := range slices.Sorted(maps.Keys(u.principals)) {
				at := u.principals[arn]
				latest.merge(at)
				acct.Principals = append(acct.Principals, ImpactPrincipal{Arn: arn, LastAccessedTime: NewTimestamp(time.Unix(0, at.Time)), Region: at.Region})
			}
			acct.LastAccessedTime, acct.Region = NewTimestamp(time.Unix(0, latest.Time)), latest.Region
			im.Accounts = append(im.Accounts, acct)
		}
		out = append(out, im)
	}
	slices.SortFunc(out, func(a, b Impact) int {
		if c := strings.Compare(a.ServiceNamespace, b.ServiceNamespace); c != 0 {
			return c
		}
		return strings.Compare(a.Action, b.Action)
	})
	return out
}
