package engine_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

// iamBuilder writes `aws iam get-account-authorization-details` output for
// one account, as the AWS CLI prints it (documents as JSON objects) or, with
// URLEncoded, as the raw API returns them.
type iamBuilder struct {
	Account    string
	URLEncoded bool
	Users      []iamUserDef
	Groups     []iamGroupDef
	Roles      []iamRoleDef
	Policies   []iamPolicyDef
}

type inlineDef struct{ Name, Doc string }

type iamUserDef struct {
	Name, Path string
	Groups     []string
	Inline     []inlineDef
	Attached   []string // policy ARNs
}

type iamGroupDef struct {
	Name, Path string
	Inline     []inlineDef
	Attached   []string
}

type iamRoleDef struct {
	Name, Path string
	Inline     []inlineDef
	Attached   []string
}

type iamPolicyDef struct {
	ARN string // arn:aws:iam::ACCOUNT:policy/PATH/NAME or arn:aws:iam::aws:policy/NAME
	Doc string // the default version's document
	Old string // an older, non-default version (optional)
}

func pathOr(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func (b *iamBuilder) userARN(name, path string) string {
	return "arn:aws:iam::" + b.Account + ":user" + pathOr(path) + name
}
func (b *iamBuilder) groupARN(name string) string {
	for _, g := range b.Groups {
		if g.Name == name {
			return "arn:aws:iam::" + b.Account + ":group" + pathOr(g.Path) + name
		}
	}
	return "arn:aws:iam::" + b.Account + ":group/" + name
}
func (b *iamBuilder) roleARN(name, path string) string {
	return "arn:aws:iam::" + b.Account + ":role" + pathOr(path) + name
}
func (b *iamBuilder) policyARN(name string) string {
	return "arn:aws:iam::" + b.Account + ":policy/" + name
}

func (b *iamBuilder) doc(d string) any {
	if b.URLEncoded {
		return url.PathEscape(d)
	}
	return json.RawMessage(d)
}

func policyNameOf(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

func (b *iamBuilder) JSON() string {
	type inline struct {
		PolicyName     string `json:"PolicyName"`
		PolicyDocument any    `json:"PolicyDocument"`
	}
	type attached struct {
		PolicyName string `json:"PolicyName"`
		PolicyArn  string `json:"PolicyArn"`
	}
	inl := func(list []inlineDef) []inline {
		out := []inline{}
		for _, p := range list {
			out = append(out, inline{p.Name, b.doc(p.Doc)})
		}
		return out
	}
	att := func(list []string) []attached {
		out := []attached{}
		for _, a := range list {
			out = append(out, attached{policyNameOf(a), a})
		}
		return out
	}
	var out struct {
		UserDetailList  []map[string]any `json:"UserDetailList"`
		GroupDetailList []map[string]any `json:"GroupDetailList"`
		RoleDetailList  []map[string]any `json:"RoleDetailList"`
		Policies        []map[string]any `json:"Policies"`
	}
	out.UserDetailList, out.GroupDetailList, out.RoleDetailList, out.Policies = []map[string]any{}, []map[string]any{}, []map[string]any{}, []map[string]any{}
	for i, u := range b.Users {
		out.UserDetailList = append(out.UserDetailList, map[string]any{
			"Path": pathOr(u.Path), "UserName": u.Name, "UserId": "AIDA" + strings.ToUpper(u.Name) + strings.Repeat("X", 3+i%3),
			"Arn": b.userARN(u.Name, u.Path), "CreateDate": "2020-01-01T00:00:00Z",
			"GroupList": append([]string{}, u.Groups...), "AttachedManagedPolicies": att(u.Attached),
			"UserPolicyList": inl(u.Inline), "Tags": []any{},
		})
	}
	for _, g := range b.Groups {
		out.GroupDetailList = append(out.GroupDetailList, map[string]any{
			"Path": pathOr(g.Path), "GroupName": g.Name, "GroupId": "AGPA" + strings.ToUpper(g.Name),
			"Arn": b.groupARN(g.Name), "CreateDate": "2020-01-01T00:00:00Z",
			"GroupPolicyList": inl(g.Inline), "AttachedManagedPolicies": att(g.Attached),
		})
	}
	for _, r := range b.Roles {
		out.RoleDetailList = append(out.RoleDetailList, map[string]any{
			"Path": pathOr(r.Path), "RoleName": r.Name, "RoleId": "AROA" + strings.ToUpper(r.Name),
			"Arn": b.roleARN(r.Name, r.Path), "CreateDate": "2020-01-01T00:00:00Z",
			"AssumeRolePolicyDocument":  json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
			"InstanceProfileList":       []any{},
			"RolePolicyList":            inl(r.Inline),
			"AttachedManagedPolicies":   att(r.Attached),
			"Tags":                      []any{},
			"RoleLastUsed":              map[string]any{},
			"PermissionsBoundaryDetail": nil,
		})
	}
	for _, p := range b.Policies {
		name := policyNameOf(p.ARN)
		versions := []map[string]any{}
		if p.Old != "" {
			versions = append(versions, map[string]any{"Document": b.doc(p.Old), "VersionId": "v1", "IsDefaultVersion": false, "CreateDate": "2020-01-01T00:00:00Z"})
		}
		versions = append(versions, map[string]any{"Document": b.doc(p.Doc), "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": "2021-01-01T00:00:00Z"})
		out.Policies = append(out.Policies, map[string]any{
			"PolicyName": name, "PolicyId": "ANPA" + strings.ToUpper(name), "Arn": p.ARN, "Path": "/",
			"DefaultVersionId": "v2", "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": true,
			"CreateDate": "2020-01-01T00:00:00Z", "UpdateDate": "2021-01-01T00:00:00Z", "PolicyVersionList": versions,
		})
	}
	data, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		panic(err)
	}
	return string(data)
}

func (te *testEnv) importIAM(js string) *engine.IAMImport {
	te.t.Helper()
	res, err := te.eng.ImportAuthorizationDetails([]byte(js))
	if err != nil {
		te.t.Fatalf("import IAM: %v", err)
	}
	return res
}

// sla generates a service last accessed report, waits for it and reads
// every page (page size 1000).
func (te *testEnv) sla(arn, granularity string) *engine.ServiceLastAccessedDetails {
	te.t.Helper()
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: arn, Granularity: engine.OptionalString(granularity)})
	if err != nil {
		te.t.Fatalf("generate %s: %v", arn, err)
	}
	return te.slaFetch(id, 1000)
}

func (te *testEnv) slaFetch(id string, pageSize int) *engine.ServiceLastAccessedDetails {
	te.t.Helper()
	ctx := context.Background()
	if err := te.eng.WaitJob(ctx, id); err != nil {
		te.t.Fatalf("wait: %v", err)
	}
	var all *engine.ServiceLastAccessedDetails
	marker := ""
	for pages := 0; ; pages++ {
		page, err := te.eng.GetServiceLastAccessedDetails(ctx, engine.GetServiceLastAccessedDetailsInput{JobID: id, MaxItems: &pageSize, Marker: engine.OptionalString(marker)})
		if err != nil {
			te.t.Fatalf("get page %d: %v", pages, err)
		}
		if len(page.ServicesLastAccessed) > pageSize {
			te.t.Fatalf("page of %d items with MaxItems %d", len(page.ServicesLastAccessed), pageSize)
		}
		if all == nil {
			all = page
		} else {
			all.ServicesLastAccessed = append(all.ServicesLastAccessed, page.ServicesLastAccessed...)
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

// entities reads every page of one service's entities.
func (te *testEnv) entities(id, ns string, pageSize int) []engine.EntityDetails {
	te.t.Helper()
	var all []engine.EntityDetails
	marker := ""
	for {
		page, err := te.eng.GetServiceLastAccessedDetailsWithEntities(context.Background(), engine.GetServiceLastAccessedDetailsWithEntitiesInput{JobID: id, ServiceNamespace: ns, MaxItems: &pageSize, Marker: engine.OptionalString(marker)})
		if err != nil {
			te.t.Fatalf("entities %s: %v", ns, err)
		}
		if len(page.EntityDetailsList) > pageSize {
			te.t.Fatalf("page of %d entities with MaxItems %d", len(page.EntityDetailsList), pageSize)
		}
		all = append(all, page.EntityDetailsList...)
		if !page.IsTruncated {
			return all
		}
		marker = page.Marker
	}
}

// principalEvent builds a counted event of a principal.
func principalEvent(id string, at time.Time, arn, ns, action, region string) engine.Event {
	account := strings.Split(arn, ":")[4]
	typ := engine.PrincipalIAMUser
	if strings.Contains(arn, ":role/") {
		typ = engine.PrincipalAssumedRole
	}
	return engine.Event{
		ID: id, Time: at.UnixNano(), AccountID: account, PrincipalARN: arn, PrincipalType: typ,
		EventSource: ns + ".amazonaws.com", EventName: action, Namespace: ns, Action: action, Region: region,
	}
}

// iamCatalog is a small catalog with action-level tracking for s3 and iam.
func iamCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	var services []catalog.Service
	for _, ns := range []string{"dynamodb", "ec2", "iam", "lambda", "s3", "sns", "sqs", "sts"} {
		s := catalog.Service{Namespace: ns, Name: "Service " + ns, EventSources: []string{ns + ".amazonaws.com"}}
		switch ns {
		case "s3":
			s.TrackedActions = []string{"CreateBucket", "DeleteBucket", "GetObject", "ListAllMyBuckets", "PutObject"}
		case "iam":
			s.TrackedActions = []string{"CreateUser", "ListRoles", "ListUsers"}
		}
		services = append(services, s)
	}
	cat, err := catalog.New(services)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
