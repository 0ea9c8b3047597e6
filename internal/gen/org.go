package gen

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Org is an organization snapshot in the JSON format of SPEC §3 (field
// names of the AWS Organizations API, plus ParentId and Targets).
type Org struct {
	Organization        OrgInfo   `json:"Organization"`
	Roots               []Root    `json:"Roots"`
	OrganizationalUnits []OU      `json:"OrganizationalUnits"`
	Accounts            []Account `json:"Accounts"` // the management account first
	Policies            []Policy  `json:"Policies"` // empty when SCPs are not enabled

	paths map[string]string // entity id -> entity path (SPEC §2)
}

// OrgInfo identifies the organization and its management account.
type OrgInfo struct {
	ID              string `json:"Id"`
	MasterAccountID string `json:"MasterAccountId"`
}

// Root is the organization's root.
type Root struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

// OU is an organizational unit; ParentID is the root or another OU.
type OU struct {
	ID       string `json:"Id"`
	Name     string `json:"Name"`
	ParentID string `json:"ParentId"`
}

// Account is a member account (or the management account); ParentID is the
// root or an OU.
type Account struct {
	ID       string `json:"Id"`
	Name     string `json:"Name"`
	ParentID string `json:"ParentId"`
}

// Policy is a service control policy; Content is its document as a JSON
// string, Targets the roots, OUs and accounts it is attached to (none for a
// detached policy).
type Policy struct {
	ID      string     `json:"Id"`
	Name    string     `json:"Name"`
	Content string     `json:"Content"`
	Targets []string   `json:"Targets"`
	Kind    PolicyKind `json:"-"`
}

// PolicyKind says which of the SCP shapes of SPEC §2 a generated policy has.
type PolicyKind uint8

const (
	// PolicyFullAWSAccess allows "*"; attached to the root, every OU that
	// has no allow-list and every account, as AWS does.
	PolicyFullAWSAccess PolicyKind = iota
	// PolicyDenyList denies "<ns>:*" for a few services: removes them.
	PolicyDenyList
	// PolicyAllowList allows "<ns>:*" of a list of services and replaces
	// FullAWSAccess on its OUs: removes every other service.
	PolicyAllowList
	// PolicyDenyWithCondition denies "<ns>:*" under a Condition: removes
	// nothing.
	PolicyDenyWithCondition
	// PolicyDenyActions denies some actions ("<ns>:Delete*"): removes
	// nothing.
	PolicyDenyActions
	// PolicyRegionLock denies NotAction [global services] under a
	// StringNotEquals aws:RequestedRegion Condition: removes nothing.
	PolicyRegionLock
	// PolicyDenyNotAction denies NotAction [a few services] without a
	// Condition: removes every service it does not list.
	PolicyDenyNotAction
)

var policyKindNames = [...]string{"FullAWSAccess", "DenyList", "AllowList", "DenyWithCondition", "DenyActions", "RegionLock", "DenyNotAction"}

func (k PolicyKind) String() string {
	if int(k) < len(policyKindNames) {
		return policyKindNames[k]
	}
	return "PolicyKind(" + strconv.Itoa(int(k)) + ")"
}

// EntityPath returns the entity path (SPEC §2) of a root, OU or account id.
func (o *Org) EntityPath(id string) (string, bool) {
	p, ok := o.paths[id]
	return p, ok
}

// WriteOrgJSON writes the snapshot as indented JSON.
func (o *Org) WriteOrgJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(o); err != nil {
		return fmt.Errorf("gen: write organization: %w", err)
	}
	return nil
}

// Organization returns the organization of the Config.
func Organization(cfg Config) (*Org, error) {
	g, err := newGenerator(cfg)
	if err != nil {
		return nil, err
	}
	return g.org, nil
}

// ouNode is an OU of the generated tree.
type ouNode struct {
	id, name string
	parent   int // index in tree, -1 for the root
	depth    int // 1 for the root's children
	children []int
	top      int     // index of the level-1 ancestor (itself at level 1)
	weight   float64 // relative chance to hold an account
}

// orgShape is the organization and what the record generator needs to know
// about it: which services the SCPs remove at each account.
type orgShape struct {
	org      *Org
	rootID   string
	ous      []ouNode
	accounts []accountInfo
	bucket   string // S3 bucket of the trail
}

type accountInfo struct {
	id         string
	name       string
	path       string
	parent     int // OU index or -1 (root)
	management bool
	inactive   bool // no records at all
	// blocked[i]: SCPs deny selected service i entirely at this account.
	blocked []bool
	// deleteDenied[i]: SCPs deny Delete* of selected service i.
	deleteDenied []bool
	lock         *regionLock
}

type regionLock struct {
	allowed map[string]bool // regions
	exempt  map[string]bool // namespaces (the NotAction list)
}

var (
	topOUNames   = []string{"Security", "Infrastructure", "Workloads"}
	extraOUNames = []string{"Deployments", "PolicyStaging", "Suspended", "Exceptions", "Transitional"}
	childOUNames = []string{"Prod", "NonProd", "Dev", "Test", "Staging", "Shared", "Platform", "Analytics", "Edge"}
	teamOUNames  = []string{"Payments", "Search", "Identity", "Checkout", "Ledger", "Mobile", "Growth", "Risk", "Catalog", "Billing"}
)

// topNames names the root's children: Sandbox last whenever there are two
// or more, Workloads always.
func topNames(n int) []string {
	switch n {
	case 1:
		return []string{"Workloads"}
	case 2:
		return []string{"Workloads", "Sandbox"}
	case 3:
		return []string{"Security", "Workloads", "Sandbox"}
	}
	names := append([]string(nil), topOUNames...)
	for i := 0; len(names) < n-1; i++ {
		name := extraOUNames[i%len(extraOUNames)]
		if i >= len(extraOUNames) {
			name += "-" + strconv.Itoa(i/len(extraOUNames)+1)
		}
		names = append(names, name)
	}
	return append(names, "Sandbox")
}

// childName names the i-th of n children of an OU at depth d (of the child).
func childName(d, i, n int) string {
	list := childOUNames
	if d >= 3 {
		list = teamOUNames
	}
	if d == 2 && n >= 3 && i == n-1 {
		return "Data"
	}
	name := list[i%len(list)]
	if i >= len(list) {
		name += "-" + strconv.Itoa(i/len(list)+1)
	}
	return name
}

// buildOrg draws the organization: ids, the OU tree, account placement and
// the SCPs with their effect on every account.
func buildOrg(cfg Config, services []*service) *orgShape {
	r := newRand(cfg.Seed, streamOrg)
	orgID := "o-" + randString(r, lowerAlnum, 10)
	root4 := randString(r, lowerAlnum, 4)
	rootID := "r-" + root4
	s := &orgShape{rootID: rootID}
	s.org = &Org{
		Roots:               []Root{{ID: rootID, Name: "Root"}},
		OrganizationalUnits: []OU{},
		Accounts:            []Account{},
		Policies:            []Policy{},
		paths:               map[string]string{rootID: orgID + "/" + rootID},
	}

	// OU tree, breadth first.
	used := map[string]bool{}
	newOUID := func() string {
		for {
			id := "ou-" + root4 + "-" + randString(r, lowerAlnum, 8)
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}
	if cfg.OUDepth > 0 {
		for i, name := range topNames(cfg.OUFanout) {
			s.ous = append(s.ous, ouNode{id: newOUID(), name: name, parent: -1, depth: 1, top: i})
		}
		for i := 0; i < len(s.ous); i++ {
			if s.ous[i].depth == cfg.OUDepth {
				continue
			}
			for c := range cfg.OUFanout {
				s.ous = append(s.ous, ouNode{
					id: newOUID(), name: childName(s.ous[i].depth+1, c, cfg.OUFanout),
					parent: i, depth: s.ous[i].depth + 1, top: s.ous[i].top,
				})
				s.ous[i].children = append(s.ous[i].children, len(s.ous)-1)
			}
		}
	}
	for i := range s.ous {
		n := &s.ous[i]
		parentID, parentPath := rootID, s.org.paths[rootID]
		if n.parent >= 0 {
			parentID, parentPath = s.ous[n.parent].id, s.org.paths[s.ous[n.parent].id]
		}
		s.org.paths[n.id] = parentPath + "/" + n.id
		s.org.OrganizationalUnits = append(s.org.OrganizationalUnits, OU{ID: n.id, Name: n.name, ParentID: parentID})
		n.weight = 0.2
		if len(n.children) == 0 {
			n.weight = 1
		}
		switch s.ous[n.top].name {
		case "Sandbox", "Suspended":
			n.weight *= 0.2
		case "Security":
			n.weight *= 0.5
		}
	}

	// Accounts: the management account in the root, then one per leaf OU
	// (when there are enough), then the rest placed by weight.
	usedAcct := map[string]bool{}
	newAcctID := func() string {
		for {
			id := randString(r, digits, 12)
			if !usedAcct[id] {
				usedAcct[id] = true
				return id
			}
		}
	}
	var leaves []int
	weights := []float64{0.3} // the root
	for i, n := range s.ous {
		if len(n.children) == 0 {
			leaves = append(leaves, i)
		}
		weights = append(weights, n.weight)
	}
	if len(s.ous) == 0 {
		weights = []float64{1}
	}
	place := newWeighted(weights)
	perParent := map[int]int{}
	addAccount := func(parent int, management bool) {
		id := newAcctID()
		name := "management"
		if !management {
			perParent[parent]++
			base := "root"
			if parent >= 0 {
				base = lowerName(s.ous[parent].name)
				if p := s.ous[parent].parent; p >= 0 {
					base = lowerName(s.ous[p].name) + "-" + base
				}
			}
			name = fmt.Sprintf("%s-%03d", base, perParent[parent])
		}
		parentID := rootID
		if parent >= 0 {
			parentID = s.ous[parent].id
		}
		s.org.paths[id] = s.org.paths[parentID] + "/" + id
		s.org.Accounts = append(s.org.Accounts, Account{ID: id, Name: name, ParentID: parentID})
		s.accounts = append(s.accounts, accountInfo{id: id, name: name, path: s.org.paths[id], parent: parent, management: management})
	}
	addAccount(-1, true)
	s.org.Organization = OrgInfo{ID: orgID, MasterAccountID: s.accounts[0].id}
	members := cfg.Accounts - 1
	if members >= len(leaves) {
		for _, l := range leaves {
			addAccount(l, false)
		}
		members -= len(leaves)
	}
	for range members {
		addAccount(place.pick(r)-1, false) // weights[0] is the root
	}
	// A few member accounts have no activity at all.
	if m := cfg.Accounts - 1; m > 0 {
		k := m / 20
		if k == 0 && m >= 4 {
			k = 1
		}
		perm := r.Perm(m)
		for _, i := range perm[:k] {
			s.accounts[1+i].inactive = true
		}
	}
	s.bucket = "aws-cloudtrail-logs-" + s.accounts[0].id + "-" + randString(r, hexDigits, 8)

	for i := range s.accounts {
		s.accounts[i].blocked = make([]bool, len(services))
		s.accounts[i].deleteDenied = make([]bool, len(services))
	}
	if !cfg.NoSCPs {
		s.buildPolicies(cfg, services, r)
	}
	return s
}

func lowerName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// findOU returns the index of the first OU with the name at the depth, or -1.
func (s *orgShape) findOU(name string, depth int, parent int) int {
	for i, n := range s.ous {
		if n.name == name && n.depth == depth && (parent < -1 || n.parent == parent) {
			return i
		}
	}
	return -1
}

// pathOf lists the targets on an account's path: root, OUs top-down, account.
func (s *orgShape) pathOf(a *accountInfo) []string {
	var ous []string
	for p := a.parent; p >= 0; p = s.ous[p].parent {
		ous = append(ous, s.ous[p].id)
	}
	path := []string{s.rootID}
	for i := len(ous) - 1; i >= 0; i-- {
		path = append(path, ous[i])
	}
	return append(path, a.id)
}
