package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/storage"
)

// testEnv is one data directory with an engine over it, as a process has.
type testEnv struct {
	t     testing.TB
	dir   string
	now   time.Time
	opts  engine.Options
	store *storage.Store
	eng   *engine.Engine
}

func newTestEnv(t *testing.T, now time.Time) *testEnv {
	t.Helper()
	te := &testEnv{t: t, dir: t.TempDir(), now: now}
	te.open()
	t.Cleanup(func() {
		if te.eng != nil {
			te.close()
		}
	})
	return te
}

func (te *testEnv) open() {
	te.t.Helper()
	st, err := storage.Open(te.dir, storage.DefaultOptions())
	if err != nil {
		te.t.Fatalf("open store: %v", err)
	}
	opts := te.opts
	opts.Clock = engine.FixedClock(te.now)
	eng, err := engine.Open(st, opts)
	if err != nil {
		st.Close()
		te.t.Fatalf("open engine: %v", err)
	}
	te.store, te.eng = st, eng
}

// close shuts down cleanly (rollups folded).
func (te *testEnv) close() {
	te.t.Helper()
	if err := te.eng.Close(); err != nil {
		te.t.Errorf("close engine: %v", err)
	}
	if err := te.store.Close(); err != nil {
		te.t.Errorf("close store: %v", err)
	}
	te.eng, te.store = nil, nil
}

// crash closes the store without letting the engine fold its pending
// rollup changes, the state a killed process leaves (Badger's own
// recovery replays its WAL).
func (te *testEnv) crash() {
	te.t.Helper()
	if err := te.store.Close(); err != nil {
		te.t.Errorf("close store: %v", err)
	}
	te.eng, te.store = nil, nil
}

func (te *testEnv) reopen(now time.Time) {
	te.t.Helper()
	if te.eng != nil {
		te.close()
	}
	te.now = now
	te.open()
}

func (te *testEnv) importOrg(js string) *engine.Organization {
	te.t.Helper()
	org, err := te.eng.ImportOrganization([]byte(js))
	if err != nil {
		te.t.Fatalf("import organization: %v", err)
	}
	return org
}

func (te *testEnv) append(events ...engine.Event) engine.AppendResult {
	te.t.Helper()
	res, err := te.eng.Append(context.Background(), events)
	if err != nil {
		te.t.Fatalf("append: %v", err)
	}
	return res
}

// report generates a report, waits for it and reads every page.
func (te *testEnv) report(path, policyID string) *engine.OrganizationsAccessReport {
	te.t.Helper()
	id, err := te.eng.GenerateOrganizationsAccessReport(context.Background(), engine.GenerateOrganizationsAccessReportInput{EntityPath: path, OrganizationsPolicyID: engine.OptionalString(policyID)})
	if err != nil {
		te.t.Fatalf("generate %s %s: %v", path, policyID, err)
	}
	return te.fetch(id, engine.SortNamespaceAscending, 1000)
}

func (te *testEnv) fetch(id, sortKey string, pageSize int) *engine.OrganizationsAccessReport {
	te.t.Helper()
	ctx := context.Background()
	if err := te.eng.WaitJob(ctx, id); err != nil {
		te.t.Fatalf("wait: %v", err)
	}
	var all *engine.OrganizationsAccessReport
	marker := ""
	for pages := 0; ; pages++ {
		page, err := te.eng.GetOrganizationsAccessReport(ctx, engine.GetOrganizationsAccessReportInput{JobID: id, MaxItems: &pageSize, Marker: engine.OptionalString(marker), SortKey: engine.OptionalString(sortKey)})
		if err != nil {
			te.t.Fatalf("get page %d: %v", pages, err)
		}
		if all == nil {
			all = page
		} else {
			all.AccessDetails = append(all.AccessDetails, page.AccessDetails...)
		}
		if len(page.AccessDetails) > pageSize {
			te.t.Fatalf("page of %d items with MaxItems %d", len(page.AccessDetails), pageSize)
		}
		if !page.IsTruncated {
			all.IsTruncated, all.Marker = false, ""
			return all
		}
		if page.Marker == "" {
			te.t.Fatal("IsTruncated without Marker")
		}
		marker = page.Marker
	}
}

// ev builds a counted event.
func ev(id string, at time.Time, account, ns, region string) engine.Event {
	return engine.Event{
		ID: id, Time: at.UnixNano(), AccountID: account,
		PrincipalARN: "arn:aws:iam::" + account + ":user/alice", PrincipalType: engine.PrincipalIAMUser,
		EventSource: ns + ".amazonaws.com", EventName: "Describe", Namespace: ns, Action: "Describe", Region: region,
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// detailsJSON renders details compactly for comparisons and failure output.
func detailsJSON(d []engine.AccessDetail) string {
	var b strings.Builder
	for _, x := range d {
		s, _ := json.Marshal(x)
		b.Write(s)
		b.WriteByte('\n')
	}
	return b.String()
}

func errCode(err error) string {
	if err == nil {
		return "<nil>"
	}
	if c := engine.ErrorCode(err); c != "" {
		return c
	}
	return fmt.Sprintf("uncoded(%v)", err)
}

const fullAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// orgBuilder writes organization snapshots for tests.
type orgBuilder struct {
	ID, Root, Management string
	OUs                  [][3]string // id, name, parent
	Accounts             [][3]string // id, name, parent
	Policies             []policyDef
}

type policyDef struct {
	ID, Content string
	Targets     []string
}

func (b *orgBuilder) JSON() string {
	type named struct {
		ID       string `json:"Id"`
		Name     string `json:"Name"`
		ParentID string `json:"ParentId,omitempty"`
	}
	type pol struct {
		ID      string   `json:"Id"`
		Name    string   `json:"Name"`
		Content string   `json:"Content"`
		Targets []string `json:"Targets"`
	}
	var s struct {
		Organization struct {
			ID     string `json:"Id"`
			Master string `json:"MasterAccountId"`
		} `json:"Organization"`
		Roots    []named `json:"Roots"`
		OUs      []named `json:"OrganizationalUnits"`
		Accounts []named `json:"Accounts"`
		Policies []pol   `json:"Policies"`
	}
	s.Organization.ID, s.Organization.Master = b.ID, b.Management
	s.Roots = []named{{ID: b.Root, Name: "Root"}}
	for _, o := range b.OUs {
		s.OUs = append(s.OUs, named{o[0], o[1], o[2]})
	}
	for _, a := range b.Accounts {
		s.Accounts = append(s.Accounts, named{a[0], a[1], a[2]})
	}
	for _, p := range b.Policies {
		s.Policies = append(s.Policies, pol{p.ID, p.ID, p.Content, p.Targets})
	}
	out, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(out)
}
