package gen

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
)

// statement is one statement of an SCP document.
type statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Action    any                       `json:"Action,omitempty"`
	NotAction any                       `json:"NotAction,omitempty"`
	Resource  string                    `json:"Resource"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// scpSpec is a generated SCP with the effect the record generator models.
type scpSpec struct {
	kind    PolicyKind
	name    string
	stmts   []statement
	targets []string
	// Effects at the accounts below a target.
	denyNS   []string // services removed
	allowNS  []string // allow-list: every other service removed
	keepNS   []string // Deny NotAction without Condition: every other service removed
	deleteNS []string // Delete* denied
	lock     *regionLock
}

// regionLockExempt are the global services a region lock leaves alone.
var regionLockExempt = []string{
	"iam", "sts", "organizations", "route53", "cloudfront", "support", "budgets",
	"ce", "health", "waf", "globalaccelerator", "account",
}

func nsActions(ns []string, action string) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n + ":" + action
	}
	return out
}

// buildPolicies draws the SCPs, attaches them and computes, for every
// account, which selected services they remove.
func (s *orgShape) buildPolicies(cfg Config, services []*service, r *rand.Rand) {
	sel := make([]string, len(services))
	for i, sv := range services {
		sel[i] = sv.ns
	}
	inCatalog := func(ns string) bool { _, ok := cfg.Catalog.Lookup(ns); return ok }
	taken := map[string]bool{}
	// pick draws k distinct namespaces from the selected services of rank lo
	// and above (falling back to unselected catalog services), each used by
	// one deny-list only.
	var unselected []string
	for _, cs := range cfg.Catalog.Services() {
		if !slices.Contains(sel, cs.Namespace) {
			unselected = append(unselected, cs.Namespace)
		}
	}
	pick := func(k, lo int) []string {
		var pool []string
		for _, ns := range sel[min(lo, len(sel)):] {
			if !taken[ns] {
				pool = append(pool, ns)
			}
		}
		r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
		for _, ns := range unselected {
			if !taken[ns] {
				pool = append(pool, ns)
			}
		}
		if len(pool) == 0 { // a tiny catalog: share namespaces between lists
			pool = slices.Clone(sel[min(lo, len(sel)-1):])
		}
		pool = pool[:min(k, len(pool))]
		for _, ns := range pool {
			taken[ns] = true
		}
		slices.Sort(pool)
		return pool
	}
	prefer := func(want []string, extra int) []string {
		var out []string
		for _, ns := range want {
			if inCatalog(ns) {
				out = append(out, ns)
			}
		}
		for _, ns := range sel[:min(extra, len(sel))] {
			if !slices.Contains(out, ns) {
				out = append(out, ns)
			}
		}
		slices.Sort(out)
		return out
	}
	ouID := func(i int) []string {
		if i < 0 {
			return nil
		}
		return []string{s.ous[i].id}
	}
	var members []string
	for _, a := range s.accounts[1:] {
		members = append(members, a.id)
	}
	tailRank := max(3, len(sel)/2)
	security := s.findOU("Security", 1, -2)
	workloads := s.findOU("Workloads", 1, -2)
	sandbox := s.findOU("Sandbox", 1, -2)
	prod, data := -1, -1
	if workloads >= 0 {
		prod = s.findOU("Prod", 2, workloads)
		data = s.findOU("Data", 2, workloads)
	}
	if prod < 0 {
		prod = workloads
	}
	orRoot := func(t []string) []string {
		if len(t) == 0 {
			return []string{s.rootID}
		}
		return t
	}

	var specs []*scpSpec
	add := func(sp *scpSpec) { specs = append(specs, sp) }

	// Deny-lists: at the root, on an OU, on two accounts, and one detached.
	rootDeny := pick(3, tailRank)
	add(&scpSpec{kind: PolicyDenyList, name: "DenyUnapprovedServices", denyNS: rootDeny, targets: []string{s.rootID},
		stmts: []statement{{Sid: "DenyUnapproved", Effect: "Deny", Action: nsActions(rootDeny, "*"), Resource: "*"}}})
	wlDeny := pick(2, tailRank)
	add(&scpSpec{kind: PolicyDenyList, name: "DenyWorkloadServices", denyNS: wlDeny, targets: ouID(workloads),
		stmts: []statement{{Effect: "Deny", Action: nsActions(wlDeny, "*"), Resource: "*"}}})
	acctDeny := pick(1, 3)
	var acctTargets []string
	if len(members) > 0 {
		for _, i := range r.Perm(len(members))[:min(2, len(members))] {
			acctTargets = append(acctTargets, members[i])
		}
	}
	add(&scpSpec{kind: PolicyDenyList, name: "DenyAccountServices", denyNS: acctDeny, targets: acctTargets,
		stmts: []statement{{Effect: "Deny", Action: nsActions(acctDeny, "*"), Resource: "*"}}})

	// Allow-lists, replacing FullAWSAccess on their OUs.
	secAllow := prefer([]string{"iam", "sts", "s3", "kms", "cloudtrail", "config", "guardduty", "securityhub", "logs", "cloudwatch", "organizations", "access-analyzer"}, 3)
	add(&scpSpec{kind: PolicyAllowList, name: "AllowSecurityServices", allowNS: secAllow, targets: ouID(security),
		stmts: []statement{{Effect: "Allow", Action: nsActions(secAllow, "*"), Resource: "*"}}})
	if data >= 0 {
		dataAllow := prefer([]string{"s3", "glue", "athena", "kms", "sts", "iam", "logs", "cloudwatch", "dynamodb", "redshift", "lambda"}, 2)
		add(&scpSpec{kind: PolicyAllowList, name: "AllowDataServices", allowNS: dataAllow, targets: ouID(data),
			stmts: []statement{{Effect: "Allow", Action: nsActions(dataAllow, "*"), Resource: "*"}}})
	}

	// A whole-service Deny under a Condition (removes nothing).
	protect := prefer([]string{"cloudtrail", "config", "guardduty"}, 0)
	if len(protect) == 0 {
		protect = sel[min(1, len(sel)):min(3, len(sel))]
	}
	add(&scpSpec{kind: PolicyDenyWithCondition, name: "ProtectSecurityTooling", targets: []string{s.rootID},
		stmts: []statement{{Sid: "ProtectSecurityTooling", Effect: "Deny", Action: nsActions(protect, "*"), Resource: "*",
			Condition: map[string]map[string]any{"ArnNotLike": {"aws:PrincipalARN": "arn:aws:iam::*:role/OrgSecurityAdmin"}}}}})

	// A Deny of some actions only (removes nothing).
	del := prefer([]string{"s3", "dynamodb", "rds"}, 0)
	if len(del) == 0 {
		del = sel[:min(2, len(sel))]
	}
	add(&scpSpec{kind: PolicyDenyActions, name: "DenyDeletes", deleteNS: del, targets: orRoot(ouID(prod)),
		stmts: []statement{{Sid: "DenyDeletes", Effect: "Deny", Action: nsActions(del, "Delete*"), Resource: "*"}}})

	// Region lock: Deny NotAction [global services] outside two regions.
	allowed := cfg.Regions[:min(2, len(cfg.Regions))]
	lock := &regionLock{allowed: map[string]bool{}, exempt: map[string]bool{}}
	for _, reg := range allowed {
		lock.allowed[reg] = true
	}
	for _, ns := range regionLockExempt {
		lock.exempt[ns] = true
	}
	add(&scpSpec{kind: PolicyRegionLock, name: "RegionLock", lock: lock, targets: orRoot(ouID(workloads)),
		stmts: []statement{{Sid: "DenyOutsideApprovedRegions", Effect: "Deny", NotAction: nsActions(regionLockExempt, "*"), Resource: "*",
			Condition: map[string]map[string]any{"StringNotEquals": {"aws:RequestedRegion": slices.Clone(allowed)}}}}})

	// Sandbox guardrail: Deny NotAction without a Condition.
	keep := prefer([]string{"sts", "iam"}, 6)
	sandboxTargets := ouID(sandbox)
	if len(sandboxTargets) == 0 && len(members) > 0 {
		sandboxTargets = []string{members[len(members)-1]}
	}
	add(&scpSpec{kind: PolicyDenyNotAction, name: "SandboxGuardrails", keepNS: keep, targets: sandboxTargets,
		stmts: []statement{{Effect: "Deny", NotAction: nsActions(keep, "*"), Resource: "*"}}})

	legacy := pick(2, tailRank)
	add(&scpSpec{kind: PolicyDenyList, name: "LegacyDenyList", targets: nil,
		stmts: []statement{{Effect: "Deny", Action: nsActions(legacy, "*"), Resource: "*"}}})

	// FullAWSAccess everywhere but on the allow-list OUs.
	allowListed := map[string]bool{}
	for _, sp := range specs {
		if sp.kind == PolicyAllowList {
			for _, t := range sp.targets {
				allowListed[t] = true
			}
		}
	}
	full := []string{s.rootID}
	for _, n := range s.ous {
		if !allowListed[n.id] {
			full = append(full, n.id)
		}
	}
	for _, a := range s.accounts {
		full = append(full, a.id)
	}
	s.org.Policies = append(s.org.Policies, Policy{
		ID: "p-FullAWSAccess", Name: "FullAWSAccess", Kind: PolicyFullAWSAccess, Targets: full,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	})
	usedIDs := map[string]bool{}
	for _, sp := range specs {
		id := ""
		for id == "" || usedIDs[id] {
			id = "p-" + randString(r, lowerAlnum, 8)
		}
		usedIDs[id] = true
		content, err := json.Marshal(policyDoc{Version: "2012-10-17", Statement: sp.stmts})
		if err != nil {
			panic("gen: marshal policy: " + err.Error()) // plain data: cannot fail
		}
		targets := sp.targets
		if targets == nil {
			targets = []string{}
		}
		s.org.Policies = append(s.org.Policies, Policy{ID: id, Name: sp.name, Content: string(content), Targets: targets, Kind: sp.kind})
	}

	// Effects at each member account (the management account is not
	// limited by SCPs).
	index := map[string]int{}
	for i, ns := range sel {
		index[ns] = i
	}
	for ai := range s.accounts {
		a := &s.accounts[ai]
		if a.management {
			continue
		}
		onPath := map[string]bool{}
		for _, t := range s.pathOf(a) {
			onPath[t] = true
		}
		for _, sp := range specs {
			applies := false
			for _, t := range sp.targets {
				applies = applies || onPath[t]
			}
			if !applies {
				continue
			}
			for _, ns := range sp.denyNS {
				if i, ok := index[ns]; ok {
					a.blocked[i] = true
				}
			}
			if sp.allowNS != nil || sp.keepNS != nil {
				keepSet := append(slices.Clone(sp.allowNS), sp.keepNS...)
				for i, ns := range sel {
					if !slices.Contains(keepSet, ns) {
						a.blocked[i] = true
					}
				}
			}
			for _, ns := range sp.deleteNS {
				if i, ok := index[ns]; ok {
					a.deleteDenied[i] = true
				}
			}
			if sp.lock != nil {
				a.lock = sp.lock
			}
		}
	}
}
