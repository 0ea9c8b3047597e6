package engine_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

// oracleDetails computes a report by brute force over the events: the
// definition of SPEC §4.1 without rollups, replays or snapshots.
// Its scope comes from oracleScope, not from the engine.
func oracleDetails(t *testing.T, b *orgBuilder, cat *catalog.Catalog, events []engine.Event, path, policyID string, now time.Time) []engine.AccessDetail {
	t.Helper()
	services, inScope := oracleScope(t, b, cat, path, policyID)
	start, end := now.Add(-engine.TrackingPeriod).UnixNano(), now.UnixNano()
	out := make([]engine.AccessDetail, 0, len(services))
	for _, s := range services {
		var best *engine.Event
		var bestPath string
		seen := map[string]bool{}
		for i := range events {
			e := &events[i]
			p, ok := inScope[e.AccountID]
			if !ok || e.Namespace != s.Namespace || e.ServiceLinked || e.Time < start || e.Time > end {
				continue
			}
			seen[e.AccountID] = true
			if best == nil || e.Time > best.Time ||
				(e.Time == best.Time && (p < bestPath || (p == bestPath && e.Region < best.Region))) {
				best, bestPath = e, p
			}
		}
		d := engine.AccessDetail{ServiceName: s.Name, ServiceNamespace: s.Namespace, TotalAuthenticatedEntities: len(seen)}
		if best != nil {
			region, p := best.Region, bestPath
			ts := engine.NewTimestamp(time.Unix(0, best.Time))
			d.Region, d.EntityPath, d.LastAuthenticatedTime = &region, &p, &ts
		}
		out = append(out, d)
	}
	return out
}

func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	var services []catalog.Service
	for _, ns := range []string{"acm", "acm-pca", "acmx", "dynamodb", "ec2", "iam", "lambda", "s3", "s3control", "sts", "sqs", "sns"} {
		services = append(services, catalog.Service{Namespace: ns, Name: "Service " + ns, EventSources: []string{ns + ".amazonaws.com"}})
	}
	cat, err := catalog.New(services)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// randomOrg builds an organization with a few OU levels, accounts
// everywhere, and SCPs of every kind SPEC §2 names.
func randomOrg(r *rand.Rand) (*orgBuilder, []string) {
	b := &orgBuilder{ID: "o-a1b2c3d4e5", Root: "r-f6g7", Management: "100000000000"}
	parents := []string{b.Root}
	for i := 0; i < 2+r.IntN(4); i++ {
		id := fmt.Sprintf("ou-f6g7-%08d", i)
		b.OUs = append(b.OUs, [3]string{id, "OU" + fmt.Sprint(i), parents[r.IntN(len(parents))]})
		parents = append(parents, id)
	}
	b.Accounts = append(b.Accounts, [3]string{b.Management, "management", b.Root})
	accounts := []string{b.Management}
	for i := 1; i < 6+r.IntN(8); i++ {
		id := fmt.Sprintf("%012d", 100000000000+i*1111)
		b.Accounts = append(b.Accounts, [3]string{id, "acct" + fmt.Sprint(i), parents[r.IntN(len(parents))]})
		accounts = append(accounts, id)
	}
	var all []string
	all = append(all, b.Root)
	for _, o := range b.OUs {
		all = append(all, o[0])
	}
	all = append(all, accounts...)
	// FullAWSAccess everywhere except on one OU that gets an allow-list.
	allowListOU := ""
	if len(b.OUs) > 0 && r.IntN(2) == 0 {
		allowListOU = b.OUs[r.IntN(len(b.OUs))][0]
	}
	var full []string
	for _, id := range all {
		if id != allowListOU {
			full = append(full, id)
		}
	}
	b.Policies = append(b.Policies, policyDef{"p-FullAWSAccess", fullAccess, full})
	if allowListOU != "" {
		b.Policies = append(b.Policies, policyDef{"p-allowlist1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","iam:*","s3:*","acm:*","acm-pca:Describe*"],"Resource":"*"}]}`, []string{allowListOU}})
	}
	pick := func() string { return all[r.IntN(len(all))] }
	b.Policies = append(b.Policies,
		policyDef{"p-denysqs01", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sqs:*","Resource":"*"}]}`, []string{pick()}},
		policyDef{"p-denyconditional", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sns:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`, []string{pick()}},
		policyDef{"p-denypartial", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:Delete*","Resource":"*"}]}`, []string{pick()}},
		policyDef{"p-denynotaction", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*","s3:*"],"Resource":"*"}]}`, []string{pick()}},
		policyDef{"p-unattached", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}`, nil},
	)
	return b, accounts
}

// TestReportsMatchOracle is the seeded equivalence test: one generated
// stream ingested with varied batch sizes, duplicates, crashes, restarts,
// folds and rebuilds must give, for every entity and policy and for
// report times before, inside and after the data, exactly the brute-force
// answer.
func TestReportsMatchOracle(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 99))
			base := mustTime("2026-11-01T00:00:00Z")
			te := &testEnv{t: t, dir: t.TempDir(), now: base}
			cat := testCatalog(t)
			te.opts.Catalog = cat
			te.open()
			t.Cleanup(func() {
				if te.eng != nil {
					te.close()
				}
			})
			b, accounts := randomOrg(r)
			org := te.importOrg(b.JSON())

			namespaces := []string{}
			for _, s := range cat.Services() {
				namespaces = append(namespaces, s.Namespace)
			}
			namespaces = append(namespaces, "unknownsvc")
			regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
			outsider := "999999999999" // an account not in the organization
			var stream []engine.Event
			n := 300 + r.IntN(400)
			for i := 0; i < n; i++ {
				acct := accounts[r.IntN(len(accounts))]
				if r.IntN(20) == 0 {
					acct = outsider
				}
				// Times cluster on a few seconds so ties happen.
				at := base.Add(-time.Duration(r.IntN(520)) * 24 * time.Hour).Add(time.Duration(r.IntN(3)) * time.Second)
				if r.IntN(15) == 0 {
					at = base.Add(time.Duration(1+r.IntN(5)) * 24 * time.Hour)
				}
				id := fmt.Sprintf("ev-%d-%d", seed, i)
				if i > 0 && r.IntN(8) == 0 {
					// An eventID shared with another record of another
					// account, service or time: a record of its own.
					id = stream[r.IntN(len(stream))].ID
				}
				e := ev(id, at, acct, namespaces[r.IntN(len(namespaces))], regions[r.IntN(len(regions))])
				if r.IntN(10) == 0 && e.Namespace == "s3" {
					// A second event source of the same service.
					e.EventSource = "s3-control.amazonaws.com"
				}
				e.PrincipalARN = fmt.Sprintf("arn:aws:iam::%s:role/r%d", acct, r.IntN(3))
				e.Action = []string{"List", "Get", "Put"}[r.IntN(3)]
				e.ServiceLinked = r.IntN(8) == 0
				e.DataEvent = r.IntN(5) == 0
				stream = append(stream, e)
				if r.IntN(10) == 0 { // an exact duplicate, as overlapping exports deliver
					stream = append(stream, e)
				}
			}
			// A record's identity is (caller account, event source,
			// eventTime, eventID).
			type identity struct {
				account, source, id string
				at                  int64
			}
			identOf := func(e engine.Event) identity { return identity{e.AccountID, e.EventSource, e.ID, e.Time} }
			unique := map[identity]bool{}
			var distinct []engine.Event
			for _, e := range stream {
				if !unique[identOf(e)] {
					unique[identOf(e)] = true
					distinct = append(distinct, e)
				}
			}
			// Ingest in random batches, shuffled, with restarts in between;
			// reports generated while ingest goes on see exactly what was
			// appended before them.
			order := r.Perm(len(stream))
			var ingested, dups int
			stored := map[identity]bool{}
			var soFar []engine.Event
			for i := 0; i < len(order); {
				size := 1 + r.IntN(60)
				var batch []engine.Event
				for j := i; j < len(order) && j < i+size; j++ {
					e := stream[order[j]]
					batch = append(batch, e)
					if !stored[identOf(e)] {
						stored[identOf(e)] = true
						soFar = append(soFar, e)
					}
				}
				i += size
				res := te.append(batch...)
				ingested += res.Ingested
				dups += res.Duplicates
				if r.IntN(6) == 0 {
					got := te.report(org.Root.Path, "")
					want := oracleDetails(t, b, cat, soFar, org.Root.Path, "", te.now)
					if g, w := detailsJSON(got.AccessDetails), detailsJSON(want); g != w {
						t.Fatalf("live report after %d events differs from the oracle\n got:\n%s\nwant:\n%s", len(soFar), g, w)
					}
				}
				switch r.IntN(12) {
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
			if ingested != len(distinct) || dups != len(stream)-len(distinct) {
				t.Fatalf("ingested %d duplicates %d, want %d and %d", ingested, dups, len(distinct), len(stream)-len(distinct))
			}
			// Re-ingesting everything stores nothing new.
			if res := te.append(stream...); res.Ingested != 0 {
				t.Fatalf("re-ingest stored %d events", res.Ingested)
			}
			check := func(label string, now time.Time) {
				t.Helper()
				te.reopen(now)
				paths := []string{org.Root.Path}
				for _, o := range org.OrganizationalUnits() {
					paths = append(paths, o.Path)
				}
				for _, a := range org.Accounts() {
					paths = append(paths, a.Path)
				}
				policies := []string{""}
				for _, p := range org.Policies() {
					policies = append(policies, p.ID)
				}
				for _, p := range paths {
					for _, pol := range policies {
						got := te.report(p, pol)
						want := oracleDetails(t, b, cat, distinct, p, pol, now)
						if g, w := detailsJSON(got.AccessDetails), detailsJSON(want); g != w {
							t.Fatalf("%s: report %s policy %q differs from the oracle\n got:\n%s\nwant:\n%s", label, p, pol, g, w)
						}
					}
				}
			}
			checkPrincipals := func(label string) {
				t.Helper()
				want := map[string]map[string]engine.PrincipalAccess{}
				for _, e := range distinct {
					m := want[e.PrincipalARN]
					if m == nil {
						m = map[string]engine.PrincipalAccess{}
						want[e.PrincipalARN] = m
					}
					k := e.Namespace + ":" + e.Action
					cur := m[k]
					later := func(t int64, region string, ct int64, cregion string) bool {
						return ct == 0 || t > ct || (t == ct && region < cregion)
					}
					if later(e.Time, e.Region, cur.AllTime, cur.AllRegion) {
						cur.AllTime, cur.AllRegion = e.Time, e.Region
					}
					if !e.DataEvent && later(e.Time, e.Region, cur.ManagementTime, cur.ManagementRegion) {
						cur.ManagementTime, cur.ManagementRegion = e.Time, e.Region
					}
					m[k] = cur
				}
				for arn, w := range want {
					got, err := te.eng.PrincipalActions(arn)
					if err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(got) != fmt.Sprint(w) {
						t.Fatalf("%s: principal %s\n got %v\nwant %v", label, arn, got, w)
					}
				}
			}
			checkPrincipals("after ingest")
			check("after ingest", base.Add(10*24*time.Hour))
			check("as of the past", base.Add(-200*24*time.Hour))
			check("at the data's edge", base)
			if _, err := te.eng.Rebuild(t.Context()); err != nil {
				t.Fatal(err)
			}
			check("after rebuild", base.Add(10*24*time.Hour))
			checkPrincipals("after rebuild")
			te.crash()
			te.open()
			checkPrincipals("after a crash")
		})
	}
}
