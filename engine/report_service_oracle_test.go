package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
	"lastaccess/engine/policy"
)

// The oracle of SPEC §4.2 computed by brute force over the events: which
// services the documents allow (the policy package, tested on its own),
// and for each the latest counted access, its entity and region, and the
// number of users and roles with a counted access, without rollups,
// replays or snapshots.

type oraclePrincipal struct {
	arn     string   // the entity's ARN
	names   []string // every ARN its events may carry
	info    engine.EntityInfo
	hasPath bool
}

type oracleSubject struct {
	docs       []*policy.Document
	filtered   bool
	principals []oraclePrincipal
}

type oracleAccess struct {
	time   int64
	region string
	arn    string
}

func (a oracleAccess) laterThan(b oracleAccess) bool {
	if b.time == 0 {
		return a.time != 0
	}
	if a.time != b.time {
		return a.time > b.time
	}
	if a.arn != b.arn {
		return a.arn < b.arn
	}
	return a.region < b.region
}

// oracleLatest is the principal's latest access in the window that
// accept takes.
func oracleLatest(p oraclePrincipal, events []engine.Event, start, end int64, accept func(*engine.Event) bool) oracleAccess {
	best := oracleAccess{}
	for i := range events {
		e := &events[i]
		if e.Time < start || e.Time > end || !accept(e) {
			continue
		}
		match := false
		for _, n := range p.names {
			match = match || e.PrincipalARN == n
		}
		if !match {
			continue
		}
		if a := (oracleAccess{e.Time, e.Region, p.arn}); a.laterThan(best) {
			best = a
		}
	}
	return best
}

func oracleServices(cat *catalog.Catalog, sub oracleSubject, events []engine.Event, now time.Time, granularity string) ([]engine.ServiceLastAccessed, map[string][]engine.EntityDetails) {
	start, end := now.Add(-engine.TrackingPeriod).UnixNano(), now.UnixNano()
	var namespaces []string
	for _, s := range cat.Services() {
		namespaces = append(namespaces, s.Namespace)
	}
	out := []engine.ServiceLastAccessed{}
	entities := map[string][]engine.EntityDetails{}
	for _, ns := range policy.ServicesAllowed(sub.docs, namespaces, nil) {
		svc, _ := cat.Lookup(ns)
		d := engine.ServiceLastAccessed{ServiceName: svc.Name, ServiceNamespace: ns}
		best := oracleAccess{}
		type pt struct {
			p oraclePrincipal
			t int64
		}
		var list []pt
		for _, p := range sub.principals {
			a := oracleLatest(p, events, start, end, func(e *engine.Event) bool {
				return e.Namespace == ns && (!sub.filtered || policy.Evaluate(sub.docs, e.Namespace+":"+e.Action))
			})
			list = append(list, pt{p, a.time})
			if a.time != 0 {
				d.TotalAuthenticatedEntities++
				if a.laterThan(best) {
					best = a
				}
			}
		}
		if best.time != 0 {
			ts := engine.NewTimestamp(time.Unix(0, best.time))
			arn, region := best.arn, best.region
			d.LastAuthenticated, d.LastAuthenticatedEntity, d.LastAuthenticatedRegion = &ts, &arn, &region
		}
		if granularity == engine.GranularityActionLevel && len(svc.TrackedActions) > 0 {
			d.TrackedActionsLastAccessed = []engine.TrackedActionLastAccessed{}
			for _, action := range policy.ActionsAllowed(sub.docs, ns, svc.TrackedActions) {
				t := engine.TrackedActionLastAccessed{ActionName: action}
				abest := oracleAccess{}
				for _, p := range sub.principals {
					a := oracleLatest(p, events, start, end, func(e *engine.Event) bool {
						return e.Namespace == ns && !e.DataEvent && strings.EqualFold(e.Action, action)
					})
					if a.laterThan(abest) {
						abest = a
					}
				}
				if abest.time != 0 {
					ts := engine.NewTimestamp(time.Unix(0, abest.time))
					arn, region := abest.arn, abest.region
					t.LastAccessedTime, t.LastAccessedEntity, t.LastAccessedRegion = &ts, &arn, &region
				}
				d.TrackedActionsLastAccessed = append(d.TrackedActionsLastAccessed, t)
			}
			if len(d.TrackedActionsLastAccessed) == 0 {
				d.TrackedActionsLastAccessed = nil
			}
		}
		out = append(out, d)
		sort.SliceStable(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if (a.t == 0) != (b.t == 0) {
				return b.t == 0
			}
			if a.t != b.t {
				return a.t > b.t
			}
			return a.p.arn < b.p.arn
		})
		var ed []engine.EntityDetails
		for _, x := range list {
			e := engine.EntityDetails{EntityInfo: x.p.info}
			if x.t != 0 {
				ts := engine.NewTimestamp(time.Unix(0, x.t))
				e.LastAuthenticated = &ts
			}
			ed = append(ed, e)
		}
		entities[ns] = ed
	}
	return out, entities
}

// Random IAM worlds for the oracle.

var oracleDocs = []string{
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","sts:*"],"Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","dynamodb:GetItem"],"Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"},{"Effect":"Deny","NotAction":["iam:*","s3:*"],"Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:*","sqs:SendMessage"],"Resource":"*"},{"Effect":"Deny","Action":"lambda:Invoke*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s?s:*","Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/t"},{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"*"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`,
}

var oracleActions = map[string][]string{
	"s3":       {"GetObject", "PutObject", "DeleteBucket", "ListAllMyBuckets", "CreateBucket", "HeadObject", "getobject"},
	"iam":      {"ListUsers", "CreateUser", "ListRoles", "GetRole", "listusers"},
	"ec2":      {"DescribeInstances", "RunInstances"},
	"dynamodb": {"GetItem", "PutItem"},
	"lambda":   {"InvokeFunction", "ListFunctions"},
	"sqs":      {"SendMessage", "ReceiveMessage"},
	"sns":      {"Publish"},
	"sts":      {"AssumeRole"},
}

// oracleWorld is a random set of accounts with their IAM entities.
type oracleWorld struct {
	builders []*iamBuilder
	docs     map[string]*policy.Document // by document text
	// principals whose events are generated: entity ARNs and aliases, and
	// principals no entity stands for.
	callers []string
}

func (w *oracleWorld) doc(t *testing.T, text string) *policy.Document {
	if d, ok := w.docs[text]; ok {
		return d
	}
	d, err := policy.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	w.docs[text] = d
	return d
}

func randomWorld(r *rand.Rand) *oracleWorld {
	w := &oracleWorld{docs: map[string]*policy.Document{}}
	pick := func() string { return oracleDocs[r.IntN(len(oracleDocs))] }
	awsManaged := []iamPolicyDef{
		{ARN: "arn:aws:iam::aws:policy/AdminLike", Doc: oracleDocs[0]},
		{ARN: "arn:aws:iam::aws:policy/S3Read", Doc: oracleDocs[2]},
	}
	for a := 0; a < 2; a++ {
		b := &iamBuilder{Account: fmt.Sprintf("%012d", 200000000000+a*1111), URLEncoded: a == 1}
		var managed []string
		for i := 0; i < 3; i++ {
			p := iamPolicyDef{ARN: b.policyARN(fmt.Sprintf("cm%d", i)), Doc: pick()}
			b.Policies = append(b.Policies, p)
			managed = append(managed, p.ARN)
		}
		b.Policies = append(b.Policies, awsManaged...)
		managed = append(managed, awsManaged[0].ARN, awsManaged[1].ARN)
		attach := func() []string {
			var out []string
			for _, i := range r.Perm(len(managed))[:r.IntN(3)] {
				out = append(out, managed[i])
			}
			return out
		}
		inline := func() []inlineDef {
			var out []inlineDef
			for i := 0; i < r.IntN(3); i++ {
				out = append(out, inlineDef{fmt.Sprintf("in%d", i), pick()})
			}
			return out
		}
		for i := 0; i < 3; i++ {
			b.Groups = append(b.Groups, iamGroupDef{Name: fmt.Sprintf("g%d", i), Inline: inline(), Attached: attach()})
		}
		for i := 0; i < 6; i++ {
			u := iamUserDef{Name: fmt.Sprintf("u%d", i), Path: []string{"/", "/x/", "/x/y/"}[r.IntN(3)], Inline: inline(), Attached: attach()}
			for _, g := range r.Perm(3)[:r.IntN(3)] {
				u.Groups = append(u.Groups, fmt.Sprintf("g%d", g))
			}
			b.Users = append(b.Users, u)
			w.callers = append(w.callers, b.userARN(u.Name, u.Path))
		}
		for i := 0; i < 3; i++ {
			ro := iamRoleDef{Name: fmt.Sprintf("r%d", i), Path: []string{"/", "/svc/"}[r.IntN(2)], Inline: inline(), Attached: attach()}
			b.Roles = append(b.Roles, ro)
			w.callers = append(w.callers, b.roleARN(ro.Name, ro.Path), b.roleARN(ro.Name, "/"))
		}
		w.callers = append(w.callers, "arn:aws:iam::"+b.Account+":root", b.userARN("ghost", "/"))
		w.builders = append(w.builders, b)
	}
	return w
}

// subjects lists every entity of the world with its oracle subject.
func (w *oracleWorld) subjects(t *testing.T) map[string]oracleSubject {
	out := map[string]oracleSubject{}
	userP := func(b *iamBuilder, u iamUserDef) oraclePrincipal {
		arn := b.userARN(u.Name, u.Path)
		return oraclePrincipal{arn: arn, names: []string{arn}}
	}
	roleP := func(b *iamBuilder, ro iamRoleDef) oraclePrincipal {
		arn := b.roleARN(ro.Name, ro.Path)
		return oraclePrincipal{arn: arn, names: []string{arn, b.roleARN(ro.Name, "/")}}
	}
	docsOf := func(inline []inlineDef, attached []string) []*policy.Document {
		var d []*policy.Document
		for _, in := range inline {
			d = append(d, w.doc(t, in.Doc))
		}
		for _, a := range attached {
			for _, b := range w.builders {
				for _, p := range b.Policies {
					if p.ARN == a {
						d = append(d, w.doc(t, p.Doc))
						goto next
					}
				}
			}
		next:
		}
		return d
	}
	policyPrincipals := map[string]map[string]oraclePrincipal{}
	addP := func(policyARN string, p oraclePrincipal) {
		if policyPrincipals[policyARN] == nil {
			policyPrincipals[policyARN] = map[string]oraclePrincipal{}
		}
		policyPrincipals[policyARN][p.arn] = p
	}
	for _, b := range w.builders {
		groupDocs := map[string][]*policy.Document{}
		members := map[string][]oraclePrincipal{}
		for _, g := range b.Groups {
			groupDocs[g.Name] = docsOf(g.Inline, g.Attached)
		}
		for _, u := range b.Users {
			docs := docsOf(u.Inline, u.Attached)
			for _, g := range u.Groups {
				docs = append(docs, groupDocs[g]...)
				members[g] = append(members[g], userP(b, u))
			}
			out[b.userARN(u.Name, u.Path)] = oracleSubject{docs: docs, principals: []oraclePrincipal{userP(b, u)}}
			for _, a := range u.Attached {
				addP(a, userP(b, u))
			}
		}
		for _, g := range b.Groups {
			ps := members[g.Name]
			sort.Slice(ps, func(i, j int) bool { return ps[i].arn < ps[j].arn })
			out[b.groupARN(g.Name)] = oracleSubject{docs: groupDocs[g.Name], filtered: true, principals: ps}
			for _, a := range g.Attached {
				for _, m := range ps {
					addP(a, m)
				}
			}
		}
		for _, ro := range b.Roles {
			out[b.roleARN(ro.Name, ro.Path)] = oracleSubject{docs: docsOf(ro.Inline, ro.Attached), principals: []oraclePrincipal{roleP(b, ro)}}
			for _, a := range ro.Attached {
				addP(a, roleP(b, ro))
			}
		}
	}
	for _, b := range w.builders {
		for _, p := range b.Policies {
			var ps []oraclePrincipal
			for _, x := range policyPrincipals[p.ARN] {
				ps = append(ps, x)
			}
			sort.Slice(ps, func(i, j int) bool { return ps[i].arn < ps[j].arn })
			out[p.ARN] = oracleSubject{docs: []*policy.Document{w.doc(t, p.Doc)}, filtered: true, principals: ps}
		}
	}
	return out
}

// TestServiceReportsMatchOracle is the seeded equivalence test of the
// entity reports: random IAM worlds and event streams ingested in random
// batches with crashes, restarts, folds and a rebuild must give, for every
// user, group, role and managed policy, at both granularities and for
// report times after, inside and before the data, exactly the brute-force
// answer, and the same entity lists.
func TestServiceReportsMatchOracle(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			if seed%2 == 0 {
				// Policies' and groups' principals split among workers.
				t.Cleanup(engine.SetComputeWorkers(3, 1))
			}
			r := rand.New(rand.NewPCG(seed, 4242))
			base := mustTime("2026-11-01T00:00:00Z")
			te := &testEnv{t: t, dir: t.TempDir(), now: base}
			cat := iamCatalog(t)
			te.opts.Catalog = cat
			te.open()
			t.Cleanup(func() {
				if te.eng != nil {
					te.close()
				}
			})
			w := randomWorld(r)
			for _, b := range w.builders {
				te.importIAM(b.JSON())
			}
			var namespaces []string
			for ns := range oracleActions {
				namespaces = append(namespaces, ns)
			}
			sort.Strings(namespaces)
			regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
			var events []engine.Event
			for i := 0; i < 400+r.IntN(400); i++ {
				ns := namespaces[r.IntN(len(namespaces))]
				actions := oracleActions[ns]
				at := base.Add(-time.Duration(r.IntN(520)) * 24 * time.Hour).Add(time.Duration(r.IntN(3)) * time.Second)
				if r.IntN(12) == 0 {
					at = base.Add(time.Duration(1+r.IntN(5)) * 24 * time.Hour)
				}
				e := principalEvent(fmt.Sprintf("ev-%d-%d", seed, i), at, w.callers[r.IntN(len(w.callers))], ns, actions[r.IntN(len(actions))], regions[r.IntN(len(regions))])
				e.DataEvent = r.IntN(5) == 0
				events = append(events, e)
			}
			subjects := w.subjects(t)
			for arn, sub := range subjects {
				for i := range sub.principals {
					sub.principals[i].info.Arn = sub.principals[i].arn
				}
				subjects[arn] = sub
			}
			arns := make([]string, 0, len(subjects))
			for arn := range subjects {
				arns = append(arns, arn)
			}
			sort.Strings(arns)
			for i := 0; i < len(events); {
				size := 1 + r.IntN(80)
				te.append(events[i:min(i+size, len(events))]...)
				i += size
				if r.IntN(3) == 0 {
					// A live report sees exactly what was appended before it,
					// whether rows were folded or not, from the row cache or
					// not.
					arn := arns[r.IntN(len(arns))]
					for k := 0; k < 2; k++ {
						got := te.sla(arn, engine.GranularityActionLevel)
						want, _ := oracleServices(cat, subjects[arn], events[:min(i, len(events))], te.now, engine.GranularityActionLevel)
						if g, w := compactJSON(got.ServicesLastAccessed), compactJSON(want); g != w {
							t.Fatalf("live report of %s after %d events differs\n got %s\nwant %s", arn, i, g, w)
						}
					}
				}
				switch r.IntN(8) {
				case 0:
					te.crash()
					te.open()
				case 1:
					te.reopen(base)
				case 2:
					if err := te.eng.Flush(); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Entity lists are compared by ARN and time; EntityInfo's other
			// fields are checked by the scenario tests.
			var used, usedActions int
			check := func(label string, now time.Time) {
				t.Helper()
				used, usedActions = 0, 0
				defer func() {
					// The comparison must not be vacuous.
					if used < 20 || usedActions < 5 {
						t.Fatalf("%s: only %d services and %d actions with accesses", label, used, usedActions)
					}
				}()
				te.reopen(now)
				for _, arn := range arns {
					sub := subjects[arn]
					for _, g := range []string{engine.GranularityServiceLevel, engine.GranularityActionLevel} {
						id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: engine.OptionalString(g)})
						if err != nil {
							t.Fatalf("%s: generate %s: %v", label, arn, err)
						}
						got := te.slaFetch(id, 3)
						want, wantEntities := oracleServices(cat, sub, events, now, g)
						for _, s := range want {
							if s.LastAuthenticated != nil {
								used++
							}
							for _, a := range s.TrackedActionsLastAccessed {
								if a.LastAccessedTime != nil {
									usedActions++
								}
							}
						}
						if gs, ws := compactJSON(got.ServicesLastAccessed), compactJSON(want); gs != ws {
							t.Fatalf("%s: %s %s differs from the oracle\n got %s\nwant %s", label, arn, g, gs, ws)
						}
						if g != engine.GranularityServiceLevel {
							continue
						}
						for ns, we := range wantEntities {
							ge := te.entities(id, ns, 2)
							if len(ge) != len(we) {
								t.Fatalf("%s: %s %s: %d entities, want %d", label, arn, ns, len(ge), len(we))
							}
							for i := range ge {
								if ge[i].EntityInfo.Arn != we[i].EntityInfo.Arn || compactJSON(ge[i].LastAuthenticated) != compactJSON(we[i].LastAuthenticated) {
									t.Fatalf("%s: %s %s entity %d: got %s %s, want %s %s", label, arn, ns, i,
										ge[i].EntityInfo.Arn, compactJSON(ge[i].LastAuthenticated), we[i].EntityInfo.Arn, compactJSON(we[i].LastAuthenticated))
								}
							}
						}
					}
				}
			}
			check("after ingest", base.Add(3*24*time.Hour))
			check("as of the past", base.Add(-100*24*time.Hour))
			if _, err := te.eng.Rebuild(t.Context()); err != nil {
				t.Fatal(err)
			}
			check("after rebuild", base.Add(10*24*time.Hour))
		})
	}
}
