package engine_test

import (
	"encoding/json"
	"strings"
	"testing"

	"lastaccess/engine/catalog"
)

// The scope of an Organizations report, worked out from the test's own
// description of the organization (an orgBuilder) and SPEC §2 and §4.1,
// with an SCP reader of its own: nothing of the engine's organization,
// paths or policy evaluation is used, so the oracle checks which services
// and accounts a report covers independently of them.

// oracleScope returns the services a report on path (with policyID, or
// "") lists and, by account id, the entity paths of the accounts whose
// data it uses.
func oracleScope(t *testing.T, b *orgBuilder, cat *catalog.Catalog, path, policyID string) ([]catalog.Service, map[string]string) {
	t.Helper()
	parent := map[string]string{}
	for _, o := range b.OUs {
		parent[o[0]] = o[2]
	}
	isAccount := map[string]bool{}
	for _, a := range b.Accounts {
		parent[a[0]] = a[2]
		isAccount[a[0]] = true
	}
	// chain is root, …, id.
	chain := func(id string) []string {
		var rev []string
		for p := id; p != ""; p = parent[p] {
			rev = append(rev, p)
		}
		out := make([]string, len(rev))
		for i, p := range rev {
			out[len(rev)-1-i] = p
		}
		return out
	}
	pathOf := func(id string) string { return b.ID + "/" + strings.Join(chain(id), "/") }
	segs := strings.Split(path, "/")
	node := segs[len(segs)-1]
	if pathOf(node) != path {
		t.Fatalf("oracle: %s is not a path of the organization", path)
	}
	attached := map[string][]scpDoc{}
	byID := map[string]scpDoc{}
	for _, p := range b.Policies {
		doc := parseSCP(t, p.Content)
		byID[p.ID] = doc
		for _, target := range p.Targets {
			attached[target] = append(attached[target], doc)
		}
	}
	under := map[string]string{}
	for _, a := range b.Accounts {
		for _, p := range chain(a[0]) {
			if p == node && a[0] != b.Management {
				under[a[0]] = pathOf(a[0])
			}
		}
	}
	var services []catalog.Service
	switch {
	case node == b.Management:
		// SCPs do not limit the management account: every service, its
		// own data; a policy id is ignored.
		return cat.Services(), map[string]string{node: pathOf(node)}
	case policyID != "":
		doc, ok := byID[policyID]
		if !ok {
			t.Fatalf("oracle: no policy %s", policyID)
		}
		for _, s := range cat.Services() {
			if doc.allowsSome(s.Namespace) && !doc.deniesAll(s.Namespace) {
				services = append(services, s)
			}
		}
		for id := range under {
			applies := false
			for _, p := range chain(id) {
				for _, target := range b.policyTargets(policyID) {
					applies = applies || target == p
				}
			}
			if !applies {
				delete(under, id)
			}
		}
	case len(b.Policies) == 0:
		services = cat.Services() // SCPs not in use
	default:
		for _, s := range cat.Services() {
			allowed := true
			for _, level := range chain(node) {
				some := false
				for _, doc := range attached[level] {
					some = some || doc.allowsSome(s.Namespace)
					allowed = allowed && !doc.deniesAll(s.Namespace)
				}
				allowed = allowed && some
			}
			if allowed {
				services = append(services, s)
			}
		}
	}
	return services, under
}

func (b *orgBuilder) policyTargets(id string) []string {
	for _, p := range b.Policies {
		if p.ID == id {
			return p.Targets
		}
	}
	return nil
}

// scpDoc is an SCP as this oracle reads it.
type scpDoc []scpStatement

type scpStatement struct {
	effect            string
	actions, notActns []string
	allResources      bool
	conditional       bool
}

func parseSCP(t *testing.T, content string) scpDoc {
	t.Helper()
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(content), &raw); err != nil {
		t.Fatalf("oracle: policy %s: %v", content, err)
	}
	var list []map[string]any
	if err := json.Unmarshal(raw.Statement, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			t.Fatalf("oracle: policy %s: %v", content, err)
		}
		list = []map[string]any{one}
	}
	strs := func(v any) []string {
		switch x := v.(type) {
		case string:
			return []string{x}
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, e.(string))
			}
			return out
		}
		return nil
	}
	var doc scpDoc
	for _, m := range list {
		st := scpStatement{effect: m["Effect"].(string), actions: strs(m["Action"]), notActns: strs(m["NotAction"])}
		for _, r := range strs(m["Resource"]) {
			st.allResources = st.allResources || r == "*"
		}
		_, st.conditional = m["Condition"]
		doc = append(doc, st)
	}
	return doc
}

// matchesService: the pattern names an action of the service (the
// catalogs of these tests list no actions, so any action part may).
func matchesService(pattern, ns string) bool {
	if pattern == "*" {
		return true
	}
	svc, action, ok := strings.Cut(pattern, ":")
	return ok && action != "" && globMatch(strings.ToLower(svc), ns)
}

// coversService: the pattern names every action of the service.
func coversService(pattern, ns string) bool {
	if pattern == "*" {
		return true
	}
	svc, action, ok := strings.Cut(pattern, ":")
	return ok && strings.Trim(action, "*") == "" && globMatch(strings.ToLower(svc), ns)
}

func (d scpDoc) allowsSome(ns string) bool {
	for _, st := range d {
		if st.effect != "Allow" {
			continue
		}
		for _, p := range st.actions {
			if matchesService(p, ns) {
				return true
			}
		}
		if st.notActns != nil {
			covered := false
			for _, p := range st.notActns {
				covered = covered || coversService(p, ns)
			}
			if !covered {
				return true
			}
		}
	}
	return false
}

// deniesAll: an unconditional Deny of every action of the service on
// every resource.
func (d scpDoc) deniesAll(ns string) bool {
	for _, st := range d {
		if st.effect != "Deny" || st.conditional || !st.allResources {
			continue
		}
		for _, p := range st.actions {
			if coversService(p, ns) {
				return true
			}
		}
		if st.notActns != nil {
			spared := false
			for _, p := range st.notActns {
				spared = spared || matchesService(p, ns)
			}
			if !spared {
				return true
			}
		}
	}
	return false
}

// globMatch matches s against a pattern of * and ? (s is lower case).
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(pattern[1:], s[1:])
	}
	return s != "" && s[0] == pattern[0] && globMatch(pattern[1:], s[1:])
}
