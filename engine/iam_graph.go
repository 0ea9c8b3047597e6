package engine

import (
	"sort"

	"lastaccess/engine/policy"
)

// reportSubject is what a service last accessed report is about (SPEC
// §4.2): the documents that decide which services it lists, the users and
// roles whose accesses are its data, and whether only accesses that those
// documents allow count.
type reportSubject struct {
	info EntityInfo
	// docs decide the listed services: a user's own and its groups'
	// policies, a group's or role's policies, a managed policy's default
	// version.
	docs []*policy.Document
	// filtered: for a group or a managed policy, an access counts only if
	// docs allow its action ("used the group's / policy's permissions").
	filtered   bool
	principals []dataPrincipal // sorted by ARN
	cache      *subjectCache
}

// dataPrincipal is a user or role whose accesses a report reads.
type dataPrincipal struct {
	info    EntityInfo
	account string
	// arns name the principal in the event log: its ARN and, for a role
	// with a path, the path-less ARN that CloudTrail records without a
	// session issuer name it by (role names are unique in an account).
	arns []string
}

func userPrincipal(u *iamUser) dataPrincipal {
	return dataPrincipal{info: u.info(), account: u.account, arns: []string{u.arn}}
}

func rolePrincipal(r *iamRole) dataPrincipal {
	p := dataPrincipal{info: r.info(), account: r.account, arns: []string{r.arn}}
	if r.path != "/" {
		if a, ok := parseARNParts(r.arn); ok {
			p.arns = append(p.arns, "arn:"+a.partition+":iam::"+a.account+":role/"+r.name)
		}
	}
	return p
}

// subject resolves an entity ARN to its report subject; NoSuchEntity if
// the entity was not imported (or, for a managed policy, no imported file
// holds its document).
func (s *iamState) subject(a entityARN) (*reportSubject, error) {
	switch a.typ {
	case arnUser:
		u, ok := s.users[a.raw]
		if !ok {
			return nil, noSuchEntity(a, s)
		}
		return &reportSubject{info: u.info(), docs: u.documents(), principals: []dataPrincipal{userPrincipal(u)}, cache: u.cache}, nil
	case arnRole:
		r, ok := s.roles[a.raw]
		if !ok {
			return nil, noSuchEntity(a, s)
		}
		return &reportSubject{info: r.info(), docs: documents(r.inline, r.attached, nil), principals: []dataPrincipal{rolePrincipal(r)}, cache: r.cache}, nil
	case arnGroup:
		g, ok := s.groups[a.raw]
		if !ok {
			return nil, noSuchEntity(a, s)
		}
		sub := &reportSubject{info: g.info(), docs: documents(g.inline, g.attached, nil), filtered: true, cache: g.cache}
		sub.principals = g.cache.principalsOf(func() []dataPrincipal {
			out := make([]dataPrincipal, 0, len(g.members))
			for _, u := range g.members {
				out = append(out, userPrincipal(u))
			}
			return out
		})
		return sub, nil
	case arnPolicy:
		p, ok := s.policies[a.raw]
		if !ok || p.doc == nil {
			return nil, noSuchEntity(a, s)
		}
		sub := &reportSubject{info: p.info(), docs: []*policy.Document{p.doc}, filtered: true, cache: p.cache}
		sub.principals = p.cache.principalsOf(p.principals)
		return sub, nil
	}
	return nil, noSuchEntity(a, s)
}

// principals are the users and roles a managed policy applies to: those it
// is attached to and the members of the groups it is attached to, each
// once, by ARN.
func (p *managedPolicy) principals() []dataPrincipal {
	seen := make(map[string]bool, len(p.users)+len(p.roles))
	var out []dataPrincipal
	addUser := func(u *iamUser) {
		if !seen[u.arn] {
			seen[u.arn] = true
			out = append(out, userPrincipal(u))
		}
	}
	for _, u := range p.users {
		addUser(u)
	}
	for _, g := range p.groups {
		for _, u := range g.members {
			addUser(u)
		}
	}
	for _, r := range p.roles {
		if !seen[r.arn] {
			seen[r.arn] = true
			out = append(out, rolePrincipal(r))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].info.Arn < out[j].info.Arn })
	return out
}

// policySource is one policy through which an identity may get access, as
// ListPoliciesGrantingServiceAccess lists it.
type policySource struct {
	grant PolicyGrantingServiceAccess
	doc   *policy.Document
}

// policySources lists the policies of a user (its own, then its groups'
// by name), group or role: inline ones with the entity they are embedded
// in, managed ones once each.
func (s *iamState) policySources(a entityARN) ([]policySource, error) {
	var out []policySource
	seen := map[string]bool{}
	add := func(entityType, entityName string, inline []inlinePolicy, attached []*managedPolicy) {
		for _, p := range inline {
			out = append(out, policySource{grant: PolicyGrantingServiceAccess{PolicyName: p.name, PolicyType: PolicyTypeInline, EntityType: entityType, EntityName: entityName}, doc: p.doc})
		}
		for _, p := range attached {
			if seen[p.arn] || p.doc == nil {
				continue
			}
			seen[p.arn] = true
			out = append(out, policySource{grant: PolicyGrantingServiceAccess{PolicyName: p.name, PolicyType: PolicyTypeManaged, PolicyArn: p.arn}, doc: p.doc})
		}
	}
	switch a.typ {
	case arnUser:
		u, ok := s.users[a.raw]
		if !ok {
			return nil, noSuchEntity(a, s)
		}
		add(EntityTypeUser, u.name, u.inline, u.attached)
		groups := append([]*iamGroup(nil), u.groups...)
		sort.Slice(groups, func(i, j int) bool { return groups[i].name < groups[j].name })
		for _, g := range groups {
			add(EntityTypeGroup, g.name, g.inline, g.attached)
		}
	case arnGroup:
		g, ok := s.groups[a.raw]
		if !ok {
			return nil, noSuchEntity(a, s)
		}
		add(EntityTypeGroup, g.name, g.inline, g.attached)
	case arnRole:
		r, ok := s.roles[a.raw]
		if !ok {
			return nil, noSuchEntity(a, s)
		}
		add(EntityTypeRole, r.name, r.inline, r.attached)
	default:
		return nil, noSuchEntity(a, s)
	}
	return out, nil
}
