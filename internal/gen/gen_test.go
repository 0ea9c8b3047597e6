package gen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// smallConfig is the sample organization with a test-sized export.
func smallConfig() Config {
	c := Sample()
	c.Records = 3000
	c.RecordsPerFile = 40
	c.NoiseFraction = 0.15
	c.DupFraction = 0.03
	return c
}

// hashTree hashes every path and file under dir, in lexical order.
func hashTree(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeAll writes org.json and the export of cfg into a new directory.
func writeAll(t *testing.T, cfg Config) (string, Manifest) {
	t.Helper()
	dir := t.TempDir()
	org, err := Organization(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "org.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := org.WriteOrgJSON(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	m, err := WriteExport(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestDeterministic(t *testing.T) {
	cfg := smallConfig()
	cfg.Workers = 1
	dir1, m1 := writeAll(t, cfg)
	cfg.Workers = 4
	dir2, m2 := writeAll(t, cfg)
	h1, h2 := hashTree(t, dir1), hashTree(t, dir2)
	if h1 != h2 {
		t.Fatalf("same seed, different output: %s vs %s", h1, h2)
	}
	if fmt.Sprint(m1) != fmt.Sprint(m2) {
		t.Fatalf("same seed, different manifests:\n%+v\n%+v", m1, m2)
	}
	cfg.Seed++
	dir3, _ := writeAll(t, cfg)
	if h3 := hashTree(t, dir3); h3 == h1 {
		t.Fatal("different seeds gave the same output")
	}
}

var (
	orgIDPattern     = regexp.MustCompile(`^o-[a-z0-9]{10}$`)
	rootIDPattern    = regexp.MustCompile(`^r-[a-z0-9]{4}$`)
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	policyIDPattern  = regexp.MustCompile(`^p-[A-Za-z0-9]{8,}$`)
)

func TestOrganization(t *testing.T) {
	configs := map[string]Config{
		"sample":    Sample(),
		"deep":      {Seed: 7, Accounts: 300, OUDepth: 3, OUFanout: 3},
		"wide":      {Seed: 8, Accounts: 50, OUDepth: 1, OUFanout: 9},
		"chain":     {Seed: 9, Accounts: 6, OUDepth: 5, OUFanout: 1},
		"flat":      {Seed: 10, Accounts: 5},
		"alone":     {Seed: 11, Accounts: 1},
		"no-scps":   {Seed: 12, Accounts: 20, OUDepth: 2, OUFanout: 2, NoSCPs: true},
		"bench1m":   Bench1M(),
		"tiny-data": {Seed: 13, Accounts: 12, OUDepth: 2, OUFanout: 3, Services: 3},
	}
	names := make([]string, 0, len(configs))
	for name := range configs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		cfg := configs[name]
		t.Run(name, func(t *testing.T) {
			org, err := Organization(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := org.WriteOrgJSON(&buf); err != nil {
				t.Fatal(err)
			}
			checkOrgJSON(t, cfg, buf.Bytes())
			for _, a := range org.Accounts {
				p, ok := org.EntityPath(a.ID)
				if !ok || !strings.HasPrefix(p, org.Organization.ID+"/"+org.Roots[0].ID+"/") || !strings.HasSuffix(p, "/"+a.ID) {
					t.Errorf("account %s: path %q", a.ID, p)
				}
			}
		})
	}
}

// checkOrgJSON validates a snapshot as an importer would: id patterns,
// unique ids, existing parents, no cycles, SCPs on every entity.
func checkOrgJSON(t *testing.T, cfg Config, data []byte) {
	t.Helper()
	var o struct {
		Organization struct{ Id, MasterAccountId string }
		Roots        []struct{ Id, Name string }
		OUs          []struct{ Id, Name, ParentId string } `json:"OrganizationalUnits"`
		Accounts     []struct{ Id, Name, ParentId string }
		Policies     []struct {
			Id, Name, Content string
			Targets           []string
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("org JSON: %v", err)
	}
	if !orgIDPattern.MatchString(o.Organization.Id) {
		t.Errorf("organization id %q", o.Organization.Id)
	}
	if len(o.Roots) != 1 || !rootIDPattern.MatchString(o.Roots[0].Id) {
		t.Fatalf("roots %+v", o.Roots)
	}
	root := o.Roots[0].Id
	ouPattern := regexp.MustCompile(`^ou-` + root[2:] + `-[a-z0-9]{8}$`)
	ids := map[string]bool{root: true}
	parent := map[string]string{}
	for _, ou := range o.OUs {
		if !ouPattern.MatchString(ou.Id) || ids[ou.Id] || ou.Name == "" {
			t.Errorf("OU %+v: bad or duplicate id", ou)
		}
		ids[ou.Id] = true
		parent[ou.Id] = ou.ParentId
	}
	if want := ouCount(cfg.OUDepth, cfg.OUFanout); len(o.OUs) != want {
		t.Errorf("%d OUs, want %d", len(o.OUs), want)
	}
	for _, a := range o.Accounts {
		if !accountIDPattern.MatchString(a.Id) || ids[a.Id] || a.Name == "" {
			t.Errorf("account %+v: bad or duplicate id", a)
		}
		ids[a.Id] = true
		parent[a.Id] = a.ParentId
	}
	if len(o.Accounts) != cfg.Accounts {
		t.Errorf("%d accounts, want %d", len(o.Accounts), cfg.Accounts)
	}
	if parent[o.Organization.MasterAccountId] != root {
		t.Errorf("management account %s is not in the root", o.Organization.MasterAccountId)
	}
	for id, p := range parent {
		if !ids[p] || p == id {
			t.Errorf("%s: parent %q does not exist", id, p)
		}
		seen := map[string]bool{}
		for cur := id; cur != root; cur = parent[cur] {
			if seen[cur] || cur == "" {
				t.Fatalf("%s: no path to the root (cycle or dangling parent)", id)
			}
			seen[cur] = true
		}
	}

	if cfg.NoSCPs {
		if o.Policies == nil || len(o.Policies) != 0 {
			t.Fatalf("NoSCPs: policies %v, want []", o.Policies)
		}
		return
	}
	attached := map[string]int{}
	policyIDs := map[string]bool{}
	detached := 0
	for _, p := range o.Policies {
		if !policyIDPattern.MatchString(p.Id) || policyIDs[p.Id] {
			t.Errorf("policy %s: bad or duplicate id", p.Id)
		}
		policyIDs[p.Id] = true
		var doc struct {
			Version   string
			Statement []map[string]any
		}
		if err := json.Unmarshal([]byte(p.Content), &doc); err != nil || doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
			t.Errorf("policy %s: content %q: %v", p.Name, p.Content, err)
		}
		for _, st := range doc.Statement {
			_, a := st["Action"]
			_, na := st["NotAction"]
			if a == na || st["Resource"] != "*" {
				t.Errorf("policy %s: statement %v", p.Name, st)
			}
		}
		if p.Targets == nil {
			t.Errorf("policy %s: Targets is null", p.Name)
		}
		if len(p.Targets) == 0 {
			detached++
		}
		for _, tg := range p.Targets {
			if !ids[tg] {
				t.Errorf("policy %s: target %s does not exist", p.Name, tg)
			}
			attached[tg]++
		}
		if p.Name == "FullAWSAccess" && p.Id != "p-FullAWSAccess" {
			t.Errorf("FullAWSAccess has id %s", p.Id)
		}
	}
	for id := range ids {
		if attached[id] == 0 {
			t.Errorf("%s has no SCP attached", id)
		}
	}
	if detached == 0 {
		t.Error("no detached SCP")
	}
}

func TestPolicyKinds(t *testing.T) {
	org, err := Organization(Sample())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[PolicyKind][]Policy{}
	for _, p := range org.Policies {
		kinds[p.Kind] = append(kinds[p.Kind], p)
	}
	for k := PolicyFullAWSAccess; k <= PolicyDenyNotAction; k++ {
		if len(kinds[k]) == 0 {
			t.Errorf("no policy of kind %s", k)
		}
	}
	full := kinds[PolicyFullAWSAccess][0]
	for _, p := range kinds[PolicyAllowList] {
		for _, tg := range p.Targets {
			if slices.Contains(full.Targets, tg) {
				t.Errorf("allow-list %s: FullAWSAccess still attached to %s", p.Name, tg)
			}
			if !strings.HasPrefix(tg, "ou-") {
				t.Errorf("allow-list %s attached to %s, want OUs", p.Name, tg)
			}
		}
	}
	mustContain := func(k PolicyKind, parts ...string) {
		for _, p := range kinds[k] {
			for _, part := range parts {
				if !strings.Contains(p.Content, part) {
					t.Errorf("%s %s: %s lacks %s", k, p.Name, p.Content, part)
				}
			}
		}
	}
	mustContain(PolicyDenyWithCondition, `"Effect":"Deny"`, `:*"`, `"Condition"`)
	mustContain(PolicyDenyActions, `:Delete*"`)
	mustContain(PolicyRegionLock, `"NotAction"`, `"StringNotEquals":{"aws:RequestedRegion"`, `"iam:*"`, `"sts:*"`)
	mustContain(PolicyDenyNotAction, `"NotAction"`)
	for _, p := range kinds[PolicyDenyNotAction] {
		if strings.Contains(p.Content, "Condition") {
			t.Errorf("%s has a Condition", p.Name)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s is not attached", p.Name)
		}
	}
}

var (
	logPath     = regexp.MustCompile(`^AWSLogs/(o-[a-z0-9]{10}/)?(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d\d)/(\d\d)/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8})T(\d{4})Z_[A-Za-z0-9]{16}\.(json|jsonl)(\.gz)?$`)
	digestPath  = regexp.MustCompile(`^AWSLogs/(o-[a-z0-9]{10}/)?(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/\d{4}/\d\d/\d\d/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_[a-z-]+_([a-z0-9-]+)_\d{8}T\d{6}Z\.json\.gz$`)
	uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

var authFailureCodes = map[string]bool{
	"InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "IncompleteSignature": true,
	"MissingAuthenticationToken": true, "ExpiredToken": true, "ExpiredTokenException": true,
	"InvalidSignatureException": true, "UnrecognizedClientException": true, "AuthFailure": true,
}

// classify applies SPEC §2, independently of the generator: "Counted" or
// the reason a record does not count, named as Kind.String names it.
func classify(r map[string]any) string {
	ui, _ := r["userIdentity"].(map[string]any)
	cat, hasCat := r["eventCategory"]
	switch {
	case r["eventType"] == "AwsConsoleSignIn":
		return "AwsConsoleSignIn"
	case r["eventType"] == "AwsServiceEvent":
		return "AwsServiceEvent"
	case cat == "NetworkActivity":
		return "NetworkActivity"
	case r["eventType"] != "AwsApiCall", hasCat && cat != "Management" && cat != "Data":
		return "other"
	}
	switch typ := ui["type"]; typ {
	case "AWSService", "AWSAccount", "SAMLUser", "WebIdentityUser":
		return typ.(string)
	case "IAMUser", "AssumedRole", "Root", "FederatedUser":
	default:
		return "other"
	}
	if code, _ := r["errorCode"].(string); authFailureCodes[code] {
		return "AuthFailure"
	}
	if acct, _ := ui["accountId"].(string); !accountIDPattern.MatchString(acct) {
		return "other"
	}
	return "Counted"
}

// readLogFile returns the records of a log file in order.
func readLogFile(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rd io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rd = gz
	}
	var out []map[string]any
	if strings.Contains(path, ".jsonl") {
		sc := bufio.NewScanner(rd)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			out = append(out, m)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var doc struct{ Records []map[string]any }
	if err := json.NewDecoder(rd).Decode(&doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc.Records
}

// checkExport reads back every file of an export and checks paths, record
// fields and the manifest, and that Records yields the same records.
func checkExport(t *testing.T, cfg Config, dir string, m Manifest) {
	t.Helper()
	cfg = cfg.withDefaults()
	var got tallyByName
	got.skipped = map[string]int{}
	seen := map[string]bool{}
	var ids []string
	files, digests := 0, 0
	var bytes int64
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if mm := digestPath.FindStringSubmatch(rel); mm != nil {
			if mm[2] != mm[4] || mm[3] != mm[5] || mm[3] != mm[6] {
				t.Errorf("digest %s: account or region mismatch", rel)
			}
			if cfg.OrgTrail != (mm[1] != "") {
				t.Errorf("digest %s: OrgTrail %v", rel, cfg.OrgTrail)
			}
			digests++
			return nil
		}
		mm := logPath.FindStringSubmatch(rel)
		if mm == nil {
			t.Errorf("unexpected file %s", rel)
			return nil
		}
		if cfg.OrgTrail != (mm[1] != "") || mm[2] != mm[7] || mm[3] != mm[8] || mm[4]+mm[5]+mm[6] != mm[9] {
			t.Errorf("log file %s: inconsistent path", rel)
		}
		if (mm[11] == "jsonl") != cfg.NDJSON || (mm[12] == "") != cfg.Uncompressed {
			t.Errorf("log file %s: wrong extension", rel)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		bytes += info.Size()
		for i, r := range readLogFile(t, p) {
			checkRecordFields(t, cfg, fmt.Sprintf("%s[%d]", rel, i), r)
			if r["recipientAccountId"] != mm[2] || r["awsRegion"] != mm[3] {
				t.Errorf("%s[%d]: account %v region %v in the wrong file", rel, i, r["recipientAccountId"], r["awsRegion"])
			}
			id := r["eventID"].(string)
			ids = append(ids, id)
			got.records++
			kind := classify(r)
			switch {
			case seen[id] && kind == "Counted":
				got.dups++
			case seen[id]:
				t.Errorf("%s[%d]: a %s record is repeated", rel, i, kind)
			case kind == "Counted":
				got.counted++
			default:
				got.skipped[kind]++
			}
			seen[id] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != m.Files || digests != m.DigestFiles || bytes != m.Bytes || got.records != m.Records ||
		got.counted != m.Counted || got.dups != m.Duplicates {
		t.Errorf("files: %d files, %d digests, %d bytes, %d records, %d counted, %d duplicates; manifest %+v",
			files, digests, bytes, got.records, got.counted, got.dups, m)
	}
	for _, k := range Kinds()[1:] {
		if got.skipped[k.String()] != m.Skipped[k.String()] {
			t.Errorf("%s: %d in the files, %d in the manifest", k, got.skipped[k.String()], m.Skipped[k.String()])
		}
		delete(got.skipped, k.String())
	}
	if len(got.skipped) > 0 {
		t.Errorf("records of no generated kind: %v", got.skipped)
	}
	if m.Records != cfg.Records {
		t.Errorf("manifest has %d records, config %d", m.Records, cfg.Records)
	}
	if cfg.NoDigests != (digests == 0) {
		t.Errorf("%d digest files with NoDigests %v", digests, cfg.NoDigests)
	}

	// Records yields the same records, and its Kinds agree.
	seq, err := Records(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var fromSeq []string
	for rec := range seq {
		fromSeq = append(fromSeq, rec.EventID)
		b := rec.AppendJSON(nil)
		var r map[string]any
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("record %s: %v\n%s", rec.EventID, err, b)
		}
		if k := classify(r); k != rec.Kind.String() {
			t.Errorf("record %s: Kind %s, SPEC says %s", rec.EventID, rec.Kind, k)
		}
		if rec.Kind == KindCounted {
			ui := r["userIdentity"].(map[string]any)
			want := ui["arn"]
			if ui["type"] == "AssumedRole" {
				want = ui["sessionContext"].(map[string]any)["sessionIssuer"].(map[string]any)["arn"]
			}
			if rec.PrincipalARN != want || rec.AccountID != ui["accountId"] {
				t.Errorf("record %s: PrincipalARN %s AccountID %s, JSON %v %v", rec.EventID, rec.PrincipalARN, rec.AccountID, want, ui["accountId"])
			}
			if rec.ServiceLinked != strings.Contains(rec.PrincipalARN, ":role/aws-service-role/") {
				t.Errorf("record %s: ServiceLinked %v for %s", rec.EventID, rec.ServiceLinked, rec.PrincipalARN)
			}
			if ns, _ := cfg.Catalog.NamespaceForEventSource(rec.EventSource); ns != rec.Namespace {
				t.Errorf("record %s: namespace %s, catalog maps %s to %s", rec.EventID, rec.Namespace, rec.EventSource, ns)
			}
		}
		if !strings.HasPrefix(rec.File, "AWSLogs/") {
			t.Errorf("record %s: File %q", rec.EventID, rec.File)
		}
	}
	slices.Sort(ids)
	slices.Sort(fromSeq)
	if !slices.Equal(ids, fromSeq) {
		t.Errorf("Records yields %d records, the files hold %d (or different ones)", len(fromSeq), len(ids))
	}
}

type tallyByName struct {
	records, counted, dups int
	skipped                map[string]int
}

// checkRecordFields checks the fields every CloudTrail record has.
func checkRecordFields(t *testing.T, cfg Config, where string, r map[string]any) {
	t.Helper()
	str := func(k string) string { s, _ := r[k].(string); return s }
	ver := str("eventVersion")
	if ver != "1.05" && ver != "1.08" && ver != "1.09" {
		t.Errorf("%s: eventVersion %q", where, ver)
	}
	tm, err := time.Parse("2006-01-02T15:04:05Z", str("eventTime"))
	if err != nil || tm.Before(cfg.Start) || !tm.Before(cfg.End) {
		t.Errorf("%s: eventTime %q outside [%s, %s)", where, str("eventTime"), cfg.Start, cfg.End)
	}
	if !strings.HasSuffix(str("eventSource"), ".amazonaws.com") || str("eventName") == "" {
		t.Errorf("%s: eventSource %q eventName %q", where, str("eventSource"), str("eventName"))
	}
	if !slices.Contains(cfg.Regions, str("awsRegion")) {
		t.Errorf("%s: awsRegion %q not configured", where, str("awsRegion"))
	}
	if !uuidPattern.MatchString(str("eventID")) {
		t.Errorf("%s: eventID %q", where, str("eventID"))
	}
	for _, k := range []string{"sourceIPAddress", "userAgent", "requestID", "eventType", "recipientAccountId"} {
		if str(k) == "" {
			t.Errorf("%s: no %s", where, k)
		}
	}
	for _, k := range []string{"requestParameters", "responseElements"} {
		if _, ok := r[k]; !ok {
			t.Errorf("%s: no %s", where, k)
		}
	}
	if ver != "1.05" {
		if _, ok := r["managementEvent"].(bool); !ok || str("eventCategory") == "" {
			t.Errorf("%s: no managementEvent or eventCategory", where)
		}
	}
	ui, ok := r["userIdentity"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no userIdentity", where)
	}
	switch ui["type"] {
	case "IAMUser":
		for _, k := range []string{"principalId", "arn", "accountId", "userName"} {
			if ui[k] == nil {
				t.Errorf("%s: IAMUser without %s", where, k)
			}
		}
	case "AssumedRole", "FederatedUser":
		sc, _ := ui["sessionContext"].(map[string]any)
		si, _ := sc["sessionIssuer"].(map[string]any)
		attrs, _ := sc["attributes"].(map[string]any)
		for _, k := range []string{"type", "principalId", "arn", "accountId", "userName"} {
			if si[k] == nil {
				t.Errorf("%s: sessionIssuer without %s", where, k)
			}
		}
		if attrs["creationDate"] == nil || attrs["mfaAuthenticated"] == nil {
			t.Errorf("%s: session attributes %v", where, attrs)
		}
	case "AWSService":
		if ui["invokedBy"] == nil {
			t.Errorf("%s: AWSService without invokedBy", where)
		}
	}
}

func TestExport(t *testing.T) {
	cfg := smallConfig()
	dir, m := writeAll(t, cfg)
	checkExport(t, cfg, dir, m)
	for _, k := range Kinds()[1:] {
		if m.Skipped[k.String()] == 0 {
			t.Errorf("no %s record", k)
		}
	}
	if m.Duplicates == 0 || m.AccessDenied == 0 || m.InvokedBy == 0 || m.ServiceLinked == 0 || m.DataEvents == 0 || m.Legacy == 0 || m.CrossAccount == 0 {
		t.Errorf("a counted variety is missing: %+v", m)
	}
	if _, err := WriteExport(cfg, dir); !errors.Is(err, ErrExists) {
		t.Errorf("second export into %s: %v, want ErrExists", dir, err)
	}
}

func TestExportLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"org-trail", func(c *Config) { c.OrgTrail = true }},
		{"ndjson", func(c *Config) { c.NDJSON = true }},
		{"ndjson-plain", func(c *Config) { c.NDJSON, c.Uncompressed = true, true }},
		{"json-plain-no-digests", func(c *Config) { c.Uncompressed, c.NoDigests = true, true }},
		{"small-files", func(c *Config) { c.RecordsPerFile = 3; c.FileWindow = time.Hour }},
		{"no-scps-flat", func(c *Config) { c.NoSCPs, c.OUDepth = true, 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			cfg.Records = 600
			tc.edit(&cfg)
			dir, m := writeAll(t, cfg)
			checkExport(t, cfg, dir, m)
		})
	}
}

// mediumConfig is a 40-account organization with 20 000 records.
func mediumConfig() Config {
	cfg := Bench1M()
	cfg.Accounts, cfg.OUDepth, cfg.Records = 40, 1, 20_000
	return cfg
}

func TestWriteNDJSON(t *testing.T) {
	cfg := smallConfig()
	cfg.Records = 600
	var buf bytes.Buffer
	m, err := WriteNDJSON(cfg, &buf)
	if err != nil {
		t.Fatal(err)
	}
	_, want := writeAll(t, cfg)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != m.Records || m.Records != want.Records || m.Counted != want.Counted ||
		m.Duplicates != want.Duplicates || fmt.Sprint(m.Skipped) != fmt.Sprint(want.Skipped) || m.Bytes != int64(buf.Len()) {
		t.Errorf("NDJSON: %d lines, manifest %+v; export manifest %+v", len(lines), m, want)
	}
	for i, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
}

func TestNames(t *testing.T) {
	seq, err := Records(mediumConfig())
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for rec := range seq {
		names[rec.EventSource+" "+rec.EventName] = true
	}
	cat := mediumConfig().withDefaults().Catalog
	for _, want := range []struct{ ns, name string }{
		{"s3", "ListBuckets"},
		{"lambda", "ListFunctions20150331"},
		{"lambda", "UpdateFunctionCode20150331v2"},
	} {
		if _, ok := cat.Lookup(want.ns); !ok {
			continue
		}
		if !names[want.ns+".amazonaws.com "+want.name] {
			t.Errorf("no %s %s record", want.ns, want.name)
		}
	}
}

func TestSize(t *testing.T) {
	cfg := mediumConfig()
	dir := t.TempDir()
	m, err := WriteExport(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	per := float64(m.Bytes) / float64(m.Records)
	t.Logf("%d records in %d files: %d gzipped bytes, %.0f bytes/record", m.Records, m.Files, m.Bytes, per)
	if per < 100 || per > 400 {
		t.Errorf("%.0f gzipped bytes per record, want 100-400", per)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Config{
		{},
		{Accounts: -1},
		{Accounts: 5, OUDepth: 6, OUFanout: 2},
		{Accounts: 5, OUDepth: 5, OUFanout: 100},
		{Accounts: 5, Records: -1},
		{Accounts: 5, NoiseFraction: 1.5},
		{Accounts: 5, NoiseFraction: 0.6, DupFraction: 0.6},
		{Accounts: 5, Regions: []string{"mars-1"}},
		{Accounts: 5, Start: DefaultEnd, End: DefaultEnd},
		{Accounts: 5, RecordsPerFile: -3},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", c)
		}
		if _, err := Organization(c); err == nil {
			t.Errorf("Organization(%+v) = nil error", c)
		}
	}
	for _, name := range []string{"sample", "bench1m", "org10k"} {
		c, err := Preset(name)
		if err != nil || c.Validate() != nil {
			t.Errorf("preset %s: %v %v", name, err, c.Validate())
		}
	}
	if _, err := Preset("huge"); err == nil {
		t.Error(`Preset("huge") = nil error`)
	}
}

func TestAppendHelpers(t *testing.T) {
	r := newRand(1, 99)
	for range 2000 {
		unix := r.Int64N(4e9) - 1e9
		if got, want := string(appendTime(nil, unix)), time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05Z"); got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", unix, got, want)
		}
	}
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "new\nline\t\x01", "ünïcode"} {
		want, _ := json.Marshal(s)
		var back string
		if err := json.Unmarshal(appendString(nil, s), &back); err != nil || back != s {
			t.Errorf("appendString(%q) = %s (json.Marshal: %s)", s, appendString(nil, s), want)
		}
	}
}

// BenchmarkWriteExport measures generation speed in records/s.
func BenchmarkWriteExport(b *testing.B) {
	cfg := Bench1M()
	cfg.Records, cfg.Accounts = 100_000, 100
	for b.Loop() {
		dir := b.TempDir()
		start := time.Now()
		m, err := WriteExport(cfg, dir)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(m.Records)/time.Since(start).Seconds(), "records/s")
		b.ReportMetric(float64(m.Bytes)/float64(m.Records), "B/record")
	}
}
