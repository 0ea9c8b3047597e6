package engine

import (
	"fmt"
	"sort"

	"lastaccess/engine/policy"
)

// The IAM entity graph of the imported accounts: users, groups, roles and
// managed policies with their documents and the links between them
// (iam_graph.go: the lookups the entity reports need). An iamState is
// immutable once built; an import builds a new one and swaps it in under
// stateMu. Each entity carries a subjectCache, where the entity reports
// keep what they derive from its documents (report_service_plan.go).

// Entity types as EntityInfo.Type and PolicyGrantingServiceAccess.EntityType
// name them.
const (
	EntityTypeUser             = "USER"
	EntityTypeRole             = "ROLE"
	EntityTypeGroup            = "GROUP"
	EntityTypePolicy           = "POLICY"
	EntityTypeAWSManagedPolicy = "AWS_MANAGED_POLICY"
)

// Policy types of PolicyGrantingServiceAccess.
const (
	PolicyTypeInline  = "INLINE"
	PolicyTypeManaged = "MANAGED"
)

// EntityInfo names an IAM entity, with the API's field names and order.
type EntityInfo struct {
	Arn  string `json:"Arn"`
	Name string `json:"Name"`
	Type string `json:"Type"`
	ID   string `json:"Id"`
	Path string `json:"Path,omitempty"`
}

// inlinePolicy is a policy embedded in a user, group or role.
type inlinePolicy struct {
	name string
	doc  *policy.Document
}

// managedPolicy is a customer or AWS managed policy: its default version,
// and (filled in by the graph) the entities it is attached to.
type managedPolicy struct {
	arn, name, id, path string
	awsManaged          bool
	version             string           // DefaultVersionId, "" when unknown
	doc                 *policy.Document // nil: attached somewhere, but no document imported
	users               []*iamUser
	groups              []*iamGroup
	roles               []*iamRole
	cache               *subjectCache
}

func (p *managedPolicy) info() EntityInfo {
	t := EntityTypePolicy
	if p.awsManaged {
		t = EntityTypeAWSManagedPolicy
	}
	return EntityInfo{Arn: p.arn, Name: p.name, Type: t, ID: p.id, Path: p.path}
}

type iamUser struct {
	account             string
	arn, name, id, path string
	inline              []inlinePolicy
	attached            []*managedPolicy
	groups              []*iamGroup
	cache               *subjectCache
}

func (u *iamUser) info() EntityInfo {
	return EntityInfo{Arn: u.arn, Name: u.name, Type: EntityTypeUser, ID: u.id, Path: u.path}
}

type iamGroup struct {
	account             string
	arn, name, id, path string
	inline              []inlinePolicy
	attached            []*managedPolicy
	members             []*iamUser // by ARN
	cache               *subjectCache
}

func (g *iamGroup) info() EntityInfo {
	return EntityInfo{Arn: g.arn, Name: g.name, Type: EntityTypeGroup, ID: g.id, Path: g.path}
}

type iamRole struct {
	account             string
	arn, name, id, path string
	inline              []inlinePolicy
	attached            []*managedPolicy
	cache               *subjectCache
}

func (r *iamRole) info() EntityInfo {
	return EntityInfo{Arn: r.arn, Name: r.name, Type: EntityTypeRole, ID: r.id, Path: r.path}
}

// iamState is every imported account's entities, linked.
type iamState struct {
	accounts map[string]*iamAccount // by account id
	users    map[string]*iamUser    // by ARN
	groups   map[string]*iamGroup
	roles    map[string]*iamRole
	policies map[string]*managedPolicy // customer managed and AWS managed, by ARN
}

func (s *iamState) hasAccount(id string) bool {
	_, ok := s.accounts[id]
	return ok
}

// documents returns the documents of inline and attached policies, in
// that order; attached policies without a document are skipped.
func documents(inline []inlinePolicy, attached []*managedPolicy, out []*policy.Document) []*policy.Document {
	for _, p := range inline {
		out = append(out, p.doc)
	}
	for _, p := range attached {
		if p.doc != nil {
			out = append(out, p.doc)
		}
	}
	return out
}

// userDocuments are the documents that apply to a user: its own and those
// of its groups.
func (u *iamUser) documents() []*policy.Document {
	docs := documents(u.inline, u.attached, nil)
	for _, g := range u.groups {
		docs = documents(g.inline, g.attached, docs)
	}
	return docs
}

// iamAccount is one account's stored details with every document parsed
// (once: rebuilding the graph after another account's import reuses it).
type iamAccount struct {
	details *authorizationDetails
	// Documents in the order of the details' lists.
	userInline, groupInline, roleInline [][]*policy.Document
	policyDocs                          []*policy.Document // default versions
}

// parseIAMAccount parses every document of an account's details.
func parseIAMAccount(d *authorizationDetails) (*iamAccount, error) {
	a := &iamAccount{details: d}
	inlines := func(list []inlinePolicyDetail) ([]*policy.Document, error) {
		out := make([]*policy.Document, 0, len(list))
		for _, p := range list {
			doc, err := parsePolicyValue(p.PolicyDocument)
			if err != nil {
				return nil, fmt.Errorf("inline policy %s: %w", p.PolicyName, err)
			}
			out = append(out, doc)
		}
		return out, nil
	}
	for _, u := range d.UserDetailList {
		docs, err := inlines(u.UserPolicyList)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", u.UserName, err)
		}
		a.userInline = append(a.userInline, docs)
	}
	for _, g := range d.GroupDetailList {
		docs, err := inlines(g.GroupPolicyList)
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", g.GroupName, err)
		}
		a.groupInline = append(a.groupInline, docs)
	}
	for _, r := range d.RoleDetailList {
		docs, err := inlines(r.RolePolicyList)
		if err != nil {
			return nil, fmt.Errorf("role %s: %w", r.RoleName, err)
		}
		a.roleInline = append(a.roleInline, docs)
	}
	for i := range d.Policies {
		doc, err := d.Policies[i].defaultDocument()
		if err != nil {
			return nil, err
		}
		a.policyDocs = append(a.policyDocs, doc)
	}
	return a, nil
}

// buildIAMState links the parsed accounts into one entity graph.
func buildIAMState(accounts map[string]*iamAccount) *iamState {
	s := &iamState{
		accounts: accounts,
		users:    make(map[string]*iamUser),
		groups:   make(map[string]*iamGroup),
		roles:    make(map[string]*iamRole),
		policies: make(map[string]*managedPolicy),
	}
	ids := make([]string, 0, len(accounts))
	for id := range accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	// Managed policies first: AWS managed ones appear in many accounts'
	// files; the highest default version wins, then the smallest account.
	for _, id := range ids {
		a := accounts[id]
		for i := range a.details.Policies {
			d := &a.details.Policies[i]
			cur, ok := s.policies[d.Arn]
			if ok && !versionNewer(d.DefaultVersionID, cur.version) {
				continue
			}
			s.policies[d.Arn] = &managedPolicy{arn: d.Arn, name: d.PolicyName, id: d.PolicyID, path: d.Path,
				awsManaged: isAWSManagedPolicyARN(d.Arn), version: d.DefaultVersionID, doc: a.policyDocs[i], cache: &subjectCache{}}
		}
	}
	attach := func(refs []attachedPolicy) []*managedPolicy {
		out := make([]*managedPolicy, 0, len(refs))
		for _, r := range refs {
			p, ok := s.policies[r.PolicyArn]
			if !ok {
				// Attached, but no file holds its document: it grants
				// nothing, but still links its entities.
				a, _ := parseARNParts(r.PolicyArn)
				name := r.PolicyName
				if name == "" {
					name = a.name
				}
				p = &managedPolicy{arn: r.PolicyArn, name: name, path: a.path, awsManaged: isAWSManagedPolicyARN(r.PolicyArn), cache: &subjectCache{}}
				s.policies[r.PolicyArn] = p
			}
			out = append(out, p)
		}
		return out
	}
	inlines := func(list []inlinePolicyDetail, docs []*policy.Document) []inlinePolicy {
		out := make([]inlinePolicy, len(list))
		for i, p := range list {
			out[i] = inlinePolicy{name: p.PolicyName, doc: docs[i]}
		}
		return out
	}
	for _, id := range ids {
		a := accounts[id]
		d := a.details
		groupsByName := make(map[string]*iamGroup, len(d.GroupDetailList))
		for i, gd := range d.GroupDetailList {
			g := &iamGroup{account: id, arn: gd.Arn, name: gd.GroupName, id: gd.GroupID, path: gd.Path,
				inline: inlines(gd.GroupPolicyList, a.groupInline[i]), attached: attach(gd.AttachedManagedPolicies), cache: &subjectCache{}}
			s.groups[g.arn] = g
			groupsByName[g.name] = g
			for _, p := range g.attached {
				p.groups = append(p.groups, g)
			}
		}
		for i, ud := range d.UserDetailList {
			u := &iamUser{account: id, arn: ud.Arn, name: ud.UserName, id: ud.UserID, path: ud.Path,
				inline: inlines(ud.UserPolicyList, a.userInline[i]), attached: attach(ud.AttachedManagedPolicies), cache: &subjectCache{}}
			for _, name := range ud.GroupList {
				if g, ok := groupsByName[name]; ok {
					u.groups = append(u.groups, g)
					g.members = append(g.members, u)
				}
			}
			s.users[u.arn] = u
			for _, p := range u.attached {
				p.users = append(p.users, u)
			}
		}
		for i, rd := range d.RoleDetailList {
			r := &iamRole{account: id, arn: rd.Arn, name: rd.RoleName, id: rd.RoleID, path: rd.Path,
				inline: inlines(rd.RolePolicyList, a.roleInline[i]), attached: attach(rd.AttachedManagedPolicies), cache: &subjectCache{}}
			s.roles[r.arn] = r
			for _, p := range r.attached {
				p.roles = append(p.roles, r)
			}
		}
	}
	for _, g := range s.groups {
		sort.Slice(g.members, func(i, j int) bool { return g.members[i].arn < g.members[j].arn })
	}
	return s
}

// versionNewer compares policy version ids ("v12" > "v9"); an unknown
// version is older than any known one.
func versionNewer(a, b string) bool {
	na, oka := versionNumber(a)
	nb, okb := versionNumber(b)
	switch {
	case oka && okb:
		return na > nb
	default:
		return oka && !okb
	}
}

func versionNumber(v string) (int, bool) {
	if len(v) < 2 || (v[0] != 'v' && v[0] != 'V') || len(v) > 10 {
		return 0, false
	}
	n := 0
	for i := 1; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
