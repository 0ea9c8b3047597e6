package engine

import (
	"sort"

	"lastaccess/engine/policy"
)

// The IAM entity graph of the imported accounts: users, groups, roles and
// managed policies with their documents, the links between them, and the
// lookups the entity reports (SPEC §4.2) need. An iamState is immutable
// once built; an import builds a new one and swaps it in under stateMu.

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
}

func (g *iamGroup) info() EntityInfo {
	return EntityInfo{Arn: g.arn, Name: g.name, Type: EntityTypeGroup, ID: g.id, Path: g.path}
}

type iamRole struct {
	account             string
	arn, name, id, path string
	inline              []inlinePolicy
	attached            []*managedPolicy
}

func (r *iamRole) info() EntityInfo {
	return EntityInfo{Arn: r.arn, Name: r.name, Type: EntityTypeRole, ID: r.id, Path: r.path}
}

// iamState is every imported account's entities, linked.
type iamState struct {
	accounts map[string]*authorizationDetails // as stored, by account id
	users    map[string]*iamUser              // by ARN
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

// buildIAMState parses and links the stored accounts. Problems with
// individual documents were rejected at import, so an error here means
// the stored data is corrupt.
func buildIAMState(accounts map[string]*authorizationDetails) (*iamState, error) {
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
		for i := range accounts[id].Policies {
			d := &accounts[id].Policies[i]
			doc, err := d.defaultDocument()
			if err != nil {
				return nil, err
			}
			cur, ok := s.policies[d.Arn]
			if ok && !versionNewer(d.DefaultVersionID, cur.version) {
				continue
			}
			s.policies[d.Arn] = &managedPolicy{arn: d.Arn, name: d.PolicyName, id: d.PolicyID, path: d.Path,
				awsManaged: isAWSManagedPolicyARN(d.Arn), version: d.DefaultVersionID, doc: doc}
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
				p = &managedPolicy{arn: r.PolicyArn, name: name, path: a.path, awsManaged: isAWSManagedPolicyARN(r.PolicyArn)}
				s.policies[r.PolicyArn] = p
			}
			out = append(out, p)
		}
		return out
	}
	inlines := func(list []inlinePolicyDetail) ([]inlinePolicy, error) {
		out := make([]inlinePolicy, 0, len(list))
		for _, p := range list {
			doc, err := parsePolicyValue(p.PolicyDocument)
			if err != nil {
				return nil, err
			}
			out = append(out, inlinePolicy{name: p.PolicyName, doc: doc})
		}
		return out, nil
	}
	for _, id := range ids {
		a := accounts[id]
		groupsByName := make(map[string]*iamGroup, len(a.GroupDetailList))
		for _, d := range a.GroupDetailList {
			in, err := inlines(d.GroupPolicyList)
			if err != nil {
				return nil, err
			}
			g := &iamGroup{account: id, arn: d.Arn, name: d.GroupName, id: d.GroupID, path: d.Path, inline: in, attached: attach(d.AttachedManagedPolicies)}
			s.groups[g.arn] = g
			groupsByName[g.name] = g
			for _, p := range g.attached {
				p.groups = append(p.groups, g)
			}
		}
		for _, d := range a.UserDetailList {
			in, err := inlines(d.UserPolicyList)
			if err != nil {
				return nil, err
			}
			u := &iamUser{account: id, arn: d.Arn, name: d.UserName, id: d.UserID, path: d.Path, inline: in, attached: attach(d.AttachedManagedPolicies)}
			for _, name := range d.GroupList {
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
		for _, d := range a.RoleDetailList {
			in, err := inlines(d.RolePolicyList)
			if err != nil {
				return nil, err
			}
			r := &iamRole{account: id, arn: d.Arn, name: d.RoleName, id: d.RoleID, path: d.Path, inline: in, attached: attach(d.AttachedManagedPolicies)}
			s.roles[r.arn] = r
			for _, p := range r.attached {
				p.roles = append(p.roles, r)
			}
		}
	}
	for _, g := range s.groups {
		sort.Slice(g.members, func(i, j int) bool { return g.members[i].arn < g.members[j].arn })
	}
	return s, nil
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
