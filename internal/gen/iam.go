package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// IAM authorization details for a generated organization: per account, the
// output of `aws iam get-account-authorization-details` describing the
// users and roles that make the account's calls, with groups, inline
// policies and managed policies. They are drawn from their own random
// streams, so generating them changes no record of the export.
//
// Per account:
//   - groups Administrators (AWS managed AdministratorAccess), Developers
//     (an inline policy over some of the account's services and the
//     customer managed AppAccess) and ReadOnly (AWS managed ReadOnlyAccess);
//     every user is in at least one;
//   - the customer managed policy AppAccess (every service the account
//     uses, but no Delete* of them), attached to a user, to Developers and
//     to the deployment roles: a policy attached in three ways;
//   - roles with the policies their names suggest (OrganizationAccountAccessRole
//     and Admin: AdministratorAccess; ReadOnly, the read-only SSO role and
//     CrossAccountReader: ReadOnlyAccess; …), the service-linked role with
//     its service's policy.

// IAMOptions change how authorization details are written.
type IAMOptions struct {
	// URLEncoded writes policy documents as URL-encoded strings, as the
	// IAM API returns them, instead of JSON objects as the AWS CLI prints
	// them.
	URLEncoded bool
}

const streamIAM uint64 = 1 << 40 // + account index

// AWS managed policies the generated accounts use.
const (
	arnAdministratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"
	arnReadOnlyAccess      = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	arnLambdaBasic         = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	arnSSMCore             = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
)

type iamDoc struct {
	Version   string    `json:"Version"`
	Statement []iamStmt `json:"Statement"`
}

type iamStmt struct {
	Sid       string   `json:"Sid,omitempty"`
	Effect    string   `json:"Effect"`
	Action    []string `json:"Action,omitempty"`
	NotAction []string `json:"NotAction,omitempty"`
	Resource  string   `json:"Resource"`
}

func allow(actions ...string) iamStmt {
	return iamStmt{Effect: "Allow", Action: actions, Resource: "*"}
}

func docOf(stmts ...iamStmt) iamDoc { return iamDoc{Version: "2012-10-17", Statement: stmts} }

var awsManagedDocs = map[string]iamDoc{
	arnAdministratorAccess: docOf(allow("*")),
	arnReadOnlyAccess:      docOf(allow("*:Describe*", "*:Get*", "*:List*", "*:BatchGet*", "*:Search*", "*:Lookup*", "*:View*")),
	arnLambdaBasic:         docOf(allow("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")),
	arnSSMCore:             docOf(allow("ssm:DescribeAssociation", "ssm:GetDocument", "ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*")),
}

// The JSON shapes of get-account-authorization-details, in the AWS CLI's
// field order.
type (
	authDetails struct {
		UserDetailList  []userDetail    `json:"UserDetailList"`
		GroupDetailList []groupDetail   `json:"GroupDetailList"`
		RoleDetailList  []roleDetail    `json:"RoleDetailList"`
		Policies        []managedPolicy `json:"Policies"`
	}
	inlinePolicy struct {
		PolicyName     string `json:"PolicyName"`
		PolicyDocument any    `json:"PolicyDocument"`
	}
	attached struct {
		PolicyName string `json:"PolicyName"`
		PolicyArn  string `json:"PolicyArn"`
	}
	userDetail struct {
		Path                    string         `json:"Path"`
		UserName                string         `json:"UserName"`
		UserID                  string         `json:"UserId"`
		Arn                     string         `json:"Arn"`
		CreateDate              string         `json:"CreateDate"`
		UserPolicyList          []inlinePolicy `json:"UserPolicyList,omitempty"`
		GroupList               []string       `json:"GroupList"`
		AttachedManagedPolicies []attached     `json:"AttachedManagedPolicies"`
		Tags                    []any          `json:"Tags"`
	}
	groupDetail struct {
		Path                    string         `json:"Path"`
		GroupName               string         `json:"GroupName"`
		GroupID                 string         `json:"GroupId"`
		Arn                     string         `json:"Arn"`
		CreateDate              string         `json:"CreateDate"`
		GroupPolicyList         []inlinePolicy `json:"GroupPolicyList"`
		AttachedManagedPolicies []attached     `json:"AttachedManagedPolicies"`
	}
	roleDetail struct {
		Path                     string         `json:"Path"`
		RoleName                 string         `json:"RoleName"`
		RoleID                   string         `json:"RoleId"`
		Arn                      string         `json:"Arn"`
		CreateDate               string         `json:"CreateDate"`
		AssumeRolePolicyDocument any            `json:"AssumeRolePolicyDocument"`
		InstanceProfileList      []any          `json:"InstanceProfileList"`
		RolePolicyList           []inlinePolicy `json:"RolePolicyList"`
		AttachedManagedPolicies  []attached     `json:"AttachedManagedPolicies"`
		Tags                     []any          `json:"Tags"`
	}
	managedPolicy struct {
		PolicyName                    string          `json:"PolicyName"`
		PolicyID                      string          `json:"PolicyId"`
		Arn                           string          `json:"Arn"`
		Path                          string          `json:"Path"`
		DefaultVersionID              string          `json:"DefaultVersionId"`
		AttachmentCount               int             `json:"AttachmentCount"`
		PermissionsBoundaryUsageCount int             `json:"PermissionsBoundaryUsageCount"`
		IsAttachable                  bool            `json:"IsAttachable"`
		CreateDate                    string          `json:"CreateDate"`
		UpdateDate                    string          `json:"UpdateDate"`
		PolicyVersionList             []policyVersion `json:"PolicyVersionList"`
	}
	policyVersion struct {
		Document         any    `json:"Document"`
		VersionID        string `json:"VersionId"`
		IsDefaultVersion bool   `json:"IsDefaultVersion"`
		CreateDate       string `json:"CreateDate"`
	}
)

// AuthorizationDetails returns the authorization details of every account
// of the organization, in account order, as JSON files' contents.
func AuthorizationDetails(cfg Config, opts IAMOptions) ([]AccountIAM, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return nil, err
	}
	out := make([]AccountIAM, len(g.shape.accounts))
	for ai := range g.shape.accounts {
		data, err := g.authorizationDetails(ai, opts)
		if err != nil {
			return nil, err
		}
		out[ai] = AccountIAM{Account: g.shape.accounts[ai].id, JSON: data}
	}
	return out, nil
}

// AccountIAM is one account's authorization details.
type AccountIAM struct {
	Account string
	JSON    []byte
}

// WriteAuthorizationDetails writes DIR/iam/<account>.json for every
// account and returns the paths written, relative to dir.
func WriteAuthorizationDetails(cfg Config, dir string, opts IAMOptions) ([]string, error) {
	files, err := AuthorizationDetails(cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "iam"), 0o755); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	var paths []string
	for _, f := range files {
		rel := filepath.Join("iam", f.Account+".json")
		if err := os.WriteFile(filepath.Join(dir, rel), f.JSON, 0o644); err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		paths = append(paths, rel)
	}
	return paths, nil
}

func (g *generator) authorizationDetails(ai int, opts IAMOptions) ([]byte, error) {
	acct := g.shape.accounts[ai].id
	ag := g.newAccountGen(ai) // the principals the account's records use
	r := newRand(g.cfg.Seed, streamIAM+uint64(ai))
	created := isoTime(g.start - 86400*30)
	doc := func(d iamDoc) any {
		b, _ := json.Marshal(d)
		if opts.URLEncoded {
			return url.PathEscape(string(b))
		}
		return json.RawMessage(b)
	}
	att := func(arns ...string) []attached {
		out := make([]attached, 0, len(arns))
		for _, a := range arns {
			out = append(out, attached{PolicyName: a[strings.LastIndexByte(a, '/')+1:], PolicyArn: a})
		}
		return out
	}
	used := map[string]bool{}
	attachedTo := map[string]int{}
	note := func(list []attached) []attached {
		for _, a := range list {
			used[a.PolicyArn] = true
			attachedTo[a.PolicyArn]++
		}
		return list
	}

	// The account's services: AppAccess allows them, Developers' inline
	// policy a few of them.
	var namespaces []string
	for _, si := range ag.svcs {
		namespaces = append(namespaces, g.services[si].ns)
	}
	slices.Sort(namespaces)
	var all, deletes []string
	for _, ns := range namespaces {
		all = append(all, ns+":*")
		deletes = append(deletes, ns+":Delete*")
	}
	appARN := "arn:aws:iam::" + acct + ":policy/AppAccess"
	appDoc := docOf(allow(all...), iamStmt{Sid: "NoDeletes", Effect: "Deny", Action: deletes, Resource: "*"})
	var devActions []string
	for _, i := range r.Perm(len(namespaces))[:min(len(namespaces), 1+r.IntN(4))] {
		devActions = append(devActions, namespaces[i]+":Get*", namespaces[i]+":List*", namespaces[i]+":Describe*")
	}
	slices.Sort(devActions)

	var d authDetails
	groups := []groupDetail{
		{GroupName: "Administrators", AttachedManagedPolicies: note(att(arnAdministratorAccess))},
		{GroupName: "Developers", GroupPolicyList: []inlinePolicy{{"DeveloperRead", doc(docOf(allow(devActions...)))}}, AttachedManagedPolicies: note(att(appARN))},
		{GroupName: "ReadOnly", AttachedManagedPolicies: note(att(arnReadOnlyAccess))},
	}
	for i := range groups {
		gr := &groups[i]
		gr.Path = "/"
		gr.GroupID = uniqueID(r, "AGPA")
		gr.Arn = "arn:aws:iam::" + acct + ":group/" + gr.GroupName
		gr.CreateDate = created
		if gr.GroupPolicyList == nil {
			gr.GroupPolicyList = []inlinePolicy{}
		}
	}
	d.GroupDetailList = groups

	appUser := -1
	for i, p := range ag.users {
		if appUser < 0 && p.name != "terraform" && p.name != "ci-bot" {
			appUser = i
		}
	}
	for i, p := range ag.users {
		path := p.arn[strings.Index(p.arn, ":user/")+5 : len(p.arn)-len(p.name)]
		u := userDetail{Path: path, UserName: p.name, UserID: p.principalID, Arn: p.arn, CreateDate: created, Tags: []any{}}
		switch p.name {
		case "terraform", "ci-bot":
			u.GroupList = []string{"Administrators"}
		default:
			if r.Float64() < 0.6 {
				u.GroupList = append(u.GroupList, "Developers")
			}
			if r.Float64() < 0.5 || len(u.GroupList) == 0 {
				u.GroupList = append(u.GroupList, "ReadOnly")
			}
			if r.Float64() < 0.15 {
				u.GroupList = append(u.GroupList, "Administrators")
			}
		}
		u.AttachedManagedPolicies = []attached{}
		if i == appUser {
			u.AttachedManagedPolicies = note(att(appARN))
		}
		if r.Float64() < 0.3 && len(namespaces) > 0 {
			ns := namespaces[r.IntN(len(namespaces))]
			u.UserPolicyList = []inlinePolicy{{"Personal-" + ns, doc(docOf(allow(ns + ":*")))}}
		}
		d.UserDetailList = append(d.UserDetailList, u)
	}

	trust := func(principal string) any {
		t := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`
		if opts.URLEncoded {
			return url.PathEscape(t)
		}
		return json.RawMessage(t)
	}
	roles := slices.Clone(ag.roles)
	if len(g.shape.accounts) > 1 {
		roles = append(roles, &principal{kind: pRole, name: "CrossAccountReader", arn: "arn:aws:iam::" + acct + ":role/CrossAccountReader", principalID: uniqueID(r, "AROA")})
	}
	if !slices.ContainsFunc(roles, func(p *principal) bool { return p.name == "DeployRole" || p.name == "GitHubActionsDeploy" }) {
		// A deployment role that makes no calls: AppAccess is attached to a
		// user, a group and a role in every account.
		roles = append(roles, &principal{kind: pRole, name: "DeployRole", arn: "arn:aws:iam::" + acct + ":role/ci/DeployRole", principalID: uniqueID(r, "AROA")})
	}
	for _, p := range ag.principals {
		if p.kind == pServiceLinked {
			roles = append(roles, p)
		}
	}
	var linked []managedPolicy
	for _, p := range roles {
		path := p.arn[strings.Index(p.arn, ":role/")+5 : len(p.arn)-len(p.name)]
		ro := roleDetail{Path: path, RoleName: p.name, RoleID: p.principalID, Arn: p.arn, CreateDate: created,
			AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::` + acct + `:root"}`), InstanceProfileList: []any{}, RolePolicyList: []inlinePolicy{}, Tags: []any{}}
		base := p.name
		if strings.HasPrefix(base, "AWSReservedSSO_") {
			base = base[:strings.LastIndexByte(base, '_')+1]
		}
		switch {
		case p.kind == pServiceLinked:
			svc := strings.TrimSuffix(p.invokedBy, ".amazonaws.com")
			name := strings.TrimPrefix(p.name, "AWSServiceRoleFor") + "ServiceRolePolicy"
			arn := "arn:aws:iam::aws:policy/aws-service-role/" + name
			ro.AttachedManagedPolicies = note(att(arn))
			if !slices.ContainsFunc(linked, func(m managedPolicy) bool { return m.Arn == arn }) {
				linked = append(linked, managedPolicy{PolicyName: name, Arn: arn, Path: "/aws-service-role/",
					PolicyVersionList: []policyVersion{{Document: doc(docOf(allow(svc+":*", "cloudwatch:PutMetricData"))), VersionID: "v1", IsDefaultVersion: true}}})
			}
		case base == "OrganizationAccountAccessRole", base == "Admin", base == "AWSReservedSSO_AdministratorAccess_":
			ro.AttachedManagedPolicies = note(att(arnAdministratorAccess))
		case base == "ReadOnly", base == "AWSReservedSSO_ReadOnlyAccess_", base == "CrossAccountReader":
			ro.AttachedManagedPolicies = note(att(arnReadOnlyAccess))
		case base == "DeployRole", base == "GitHubActionsDeploy":
			ro.AttachedManagedPolicies = note(att(appARN))
			ro.RolePolicyList = []inlinePolicy{{"Deploy", doc(docOf(allow("cloudformation:*", "lambda:*", "s3:*", "iam:PassRole")))}}
		case base == "order-processor-role":
			ro.AttachedManagedPolicies = note(att(arnLambdaBasic))
			ro.RolePolicyList = []inlinePolicy{{"Orders", doc(docOf(allow("sqs:*", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "s3:GetObject")))}}
		case base == "DataPipelineRole":
			ro.RolePolicyList = []inlinePolicy{{"Pipeline", doc(docOf(allow("s3:*", "glue:*", "athena:*", "kms:Decrypt")))}}
			ro.AttachedManagedPolicies = []attached{}
		case base == "EC2InstanceRole":
			ro.AttachedManagedPolicies = note(att(arnSSMCore))
		default:
			ro.AttachedManagedPolicies = note(att(arnReadOnlyAccess))
		}
		d.RoleDetailList = append(d.RoleDetailList, ro)
	}

	// Policies: the customer managed one, then the AWS managed ones in use.
	version := func(dv iamDoc) []policyVersion {
		return []policyVersion{{Document: doc(dv), VersionID: "v2", IsDefaultVersion: true, CreateDate: created},
			{Document: doc(docOf(allow("s3:ListAllMyBuckets"))), VersionID: "v1", IsDefaultVersion: false, CreateDate: created}}
	}
	d.Policies = append(d.Policies, managedPolicy{PolicyName: "AppAccess", Arn: appARN, Path: "/", PolicyVersionList: version(appDoc)})
	for _, arn := range []string{arnAdministratorAccess, arnReadOnlyAccess, arnLambdaBasic, arnSSMCore} {
		if used[arn] {
			path := arn[len("arn:aws:iam::aws:policy") : strings.LastIndexByte(arn, '/')+1]
			d.Policies = append(d.Policies, managedPolicy{PolicyName: arn[strings.LastIndexByte(arn, '/')+1:], Arn: arn, Path: path,
				PolicyVersionList: []policyVersion{{Document: doc(awsManagedDocs[arn]), VersionID: "v1", IsDefaultVersion: true}}})
		}
	}
	d.Policies = append(d.Policies, linked...)
	for i := range d.Policies {
		p := &d.Policies[i]
		if strings.HasPrefix(p.Arn, "arn:aws:iam::aws:") {
			// AWS managed policies have one id everywhere.
			h := fnv.New64a()
			h.Write([]byte(p.Arn))
			p.PolicyID = string(appendDerived([]byte("ANPA"), h.Sum64(), upperIDSet, 17))
		} else {
			p.PolicyID = "ANPA" + randString(r, upperIDSet, 17)
		}
		p.AttachmentCount = attachedTo[p.Arn]
		p.IsAttachable = true
		p.CreateDate, p.UpdateDate = created, created
		for j := range p.PolicyVersionList {
			p.PolicyVersionList[j].CreateDate = created
			if p.PolicyVersionList[j].IsDefaultVersion {
				p.DefaultVersionID = p.PolicyVersionList[j].VersionID
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("gen: authorization details of %s: %w", acct, err)
	}
	return buf.Bytes(), nil
}
