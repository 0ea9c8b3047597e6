package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"lastaccess/engine/catalog"
	"lastaccess/engine/policy"
	"lastaccess/internal/jsonpos"
)

// NodeKind is the kind of an organization entity.
type NodeKind uint8

const (
	KindRoot NodeKind = iota + 1
	KindOU
	KindAccount
)

func (k NodeKind) String() string {
	switch k {
	case KindRoot:
		return "root"
	case KindOU:
		return "organizational unit"
	case KindAccount:
		return "account"
	}
	return "entity"
}

// Node is a root, OU or account of the organization.
type Node struct {
	ID, Name string
	Kind     NodeKind
	Parent   *Node
	Children []*Node // sorted by ID
	Path     string  // full entity path, e.g. o-…/r-…/ou-…/123456789012
	Policies []*SCP  // SCPs attached directly, sorted by ID
}

// SCP is a service control policy of the organization.
type SCP struct {
	ID, Name string
	Content  string
	Document *policy.Document
	Targets  []*Node
}

// Organization is an immutable, validated organization snapshot.
type Organization struct {
	ID                  string
	ManagementAccountID string
	Root                *Node
	nodes               map[string]*Node
	accounts            []*Node // sorted by ID
	policies            map[string]*SCP
	policyIDs           []string // sorted
	ous                 []*Node  // sorted by ID
	scpsEnabled         bool
	snapshot            []byte // the imported JSON, as stored

	allowedMu sync.Mutex
	allowed   map[string][]bool // node ID → per catalog index: allowed by SCPs on the path
}

// OrgSnapshot is the organization file format of SPEC §3 (AWS
// Organizations field names, plus ParentId and Targets).
type OrgSnapshot struct {
	Organization        SnapshotOrganization `json:"Organization"`
	Roots               []SnapshotRoot       `json:"Roots"`
	OrganizationalUnits []SnapshotOU         `json:"OrganizationalUnits"`
	Accounts            []SnapshotAccount    `json:"Accounts"`
	Policies            []SnapshotPolicy     `json:"Policies"`
}

// SnapshotOrganization is the snapshot's Organization member.
type SnapshotOrganization struct {
	ID              string `json:"Id"`
	MasterAccountID string `json:"MasterAccountId"`
}

// SnapshotRoot is one of the snapshot's Roots.
type SnapshotRoot struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

// SnapshotOU is one of the snapshot's OrganizationalUnits.
type SnapshotOU struct {
	ID       string `json:"Id"`
	Name     string `json:"Name"`
	ParentID string `json:"ParentId"`
}

// SnapshotAccount is one of the snapshot's Accounts.
type SnapshotAccount struct {
	ID       string `json:"Id"`
	Name     string `json:"Name"`
	ParentID string `json:"ParentId"`
}

// SnapshotPolicy is one of the snapshot's Policies: an SCP, its document
// as a JSON string and the ids of the roots, OUs and accounts it is
// attached to.
type SnapshotPolicy struct {
	ID      string   `json:"Id"`
	Name    string   `json:"Name"`
	Content string   `json:"Content"`
	Targets []string `json:"Targets"`
}

// IDKind is a kind of id an organization snapshot holds.
type IDKind uint8

const (
	IDOrganization IDKind = iota + 1
	IDRoot
	IDOU
	IDAccount
	IDPolicy
)

var (
	orgIDPattern    = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	rootIDPattern   = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	ouIDPattern     = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	policyIDPattern = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
)

// idRules are the Organizations API's id patterns, each with the words
// an error uses for it.
var idRules = map[IDKind]struct {
	match func(string) bool
	what  string
}{
	IDOrganization: {orgIDPattern.MatchString, "an organization id (o- and 10-32 lowercase letters or digits)"},
	IDRoot:         {rootIDPattern.MatchString, "a root id (r- and 4-32 lowercase letters or digits)"},
	IDOU:           {ouIDPattern.MatchString, "an OU id (ou-<4-32>-<8-32> lowercase letters or digits)"},
	IDAccount:      {IsAccountID, "a 12-digit account id"},
	IDPolicy:       {policyIDPattern.MatchString, "a policy id (p- and 8-128 letters, digits or _)"},
}

// CheckID returns nil when id is an id of that kind as the Organizations
// API defines it, else an error quoting it. Importers that must trust an
// id before the snapshot is built (to name a file after it) use it, so
// there is one definition.
func CheckID(kind IDKind, id string) error {
	r := idRules[kind]
	if r.match(id) {
		return nil
	}
	return fmt.Errorf("%q is not %s", id, r.what)
}

// maxListedProblems caps how many entities one import error names.
const maxListedProblems = 20

// ParseOrganization reads and validates an organization snapshot. Every
// problem is reported with the entity it concerns.
func ParseOrganization(data []byte) (*Organization, error) {
	var snap OrgSnapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&snap); err != nil {
		return nil, fmt.Errorf("organization snapshot: %w", jsonpos.Describe(data, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("organization snapshot: unexpected data after the JSON object")
	}
	o := &Organization{
		ID:                  snap.Organization.ID,
		ManagementAccountID: snap.Organization.MasterAccountID,
		nodes:               make(map[string]*Node),
		policies:            make(map[string]*SCP),
		snapshot:            append([]byte(nil), data...),
		allowed:             make(map[string][]bool),
	}
	if err := CheckID(IDOrganization, o.ID); err != nil {
		return nil, fmt.Errorf("organization snapshot: Organization.Id %w", err)
	}
	if err := CheckID(IDAccount, o.ManagementAccountID); err != nil {
		return nil, fmt.Errorf("organization snapshot: Organization.MasterAccountId %w", err)
	}
	if len(snap.Roots) != 1 {
		return nil, fmt.Errorf("organization snapshot: want exactly one root, got %d", len(snap.Roots))
	}
	add := func(n *Node) error {
		if _, dup := o.nodes[n.ID]; dup {
			return fmt.Errorf("organization snapshot: duplicate id %s", n.ID)
		}
		o.nodes[n.ID] = n
		return nil
	}
	r := snap.Roots[0]
	if err := CheckID(IDRoot, r.ID); err != nil {
		return nil, fmt.Errorf("organization snapshot: root id %w", err)
	}
	o.Root = &Node{ID: r.ID, Name: r.Name, Kind: KindRoot}
	_ = add(o.Root)
	parents := make(map[*Node]string)
	for i, ou := range snap.OrganizationalUnits {
		if err := CheckID(IDOU, ou.ID); err != nil {
			return nil, fmt.Errorf("organization snapshot: OrganizationalUnits[%d]: id %w", i, err)
		}
		n := &Node{ID: ou.ID, Name: ou.Name, Kind: KindOU}
		if err := add(n); err != nil {
			return nil, err
		}
		parents[n] = ou.ParentID
		o.ous = append(o.ous, n)
	}
	for i, a := range snap.Accounts {
		if err := CheckID(IDAccount, a.ID); err != nil {
			return nil, fmt.Errorf("organization snapshot: Accounts[%d]: id %w", i, err)
		}
		n := &Node{ID: a.ID, Name: a.Name, Kind: KindAccount}
		if err := add(n); err != nil {
			return nil, err
		}
		parents[n] = a.ParentID
		o.accounts = append(o.accounts, n)
	}
	for n, pid := range parents {
		p, ok := o.nodes[pid]
		if !ok {
			return nil, fmt.Errorf("organization snapshot: %s %s: parent %q does not exist", n.Kind, n.ID, pid)
		}
		if p.Kind == KindAccount {
			return nil, fmt.Errorf("organization snapshot: %s %s: parent %s is an account", n.Kind, n.ID, pid)
		}
		n.Parent = p
		p.Children = append(p.Children, n)
	}
	if _, ok := o.nodes[o.ManagementAccountID]; !ok {
		return nil, fmt.Errorf("organization snapshot: management account %s is not among Accounts", o.ManagementAccountID)
	}
	// Paths, and detection of OUs unreachable from the root (cycles).
	var walk func(n *Node, prefix string)
	reached := 0
	walk = func(n *Node, prefix string) {
		reached++
		n.Path = prefix + "/" + n.ID
		sort.Slice(n.Children, func(i, j int) bool { return n.Children[i].ID < n.Children[j].ID })
		for _, c := range n.Children {
			walk(c, n.Path)
		}
	}
	walk(o.Root, o.ID)
	if reached != len(o.nodes) {
		var lost []string
		for id, n := range o.nodes {
			if n.Path == "" {
				lost = append(lost, id)
			}
		}
		sort.Strings(lost)
		return nil, fmt.Errorf("organization snapshot: not reachable from the root (a parent cycle): %s", listIDs(lost))
	}
	sort.Slice(o.accounts, func(i, j int) bool { return o.accounts[i].ID < o.accounts[j].ID })
	sort.Slice(o.ous, func(i, j int) bool { return o.ous[i].ID < o.ous[j].ID })
	if err := o.addPolicies(snap); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *Organization) addPolicies(snap OrgSnapshot) error {
	for i, p := range snap.Policies {
		if err := CheckID(IDPolicy, p.ID); err != nil {
			return fmt.Errorf("organization snapshot: Policies[%d]: id %w", i, err)
		}
		if _, dup := o.policies[p.ID]; dup {
			return fmt.Errorf("organization snapshot: duplicate policy id %s", p.ID)
		}
		doc, err := policy.ParseText(p.Content)
		if err != nil {
			return fmt.Errorf("organization snapshot: policy %s (%s): %w", p.ID, p.Name, err)
		}
		scp := &SCP{ID: p.ID, Name: p.Name, Content: p.Content, Document: doc}
		for _, t := range p.Targets {
			n, ok := o.nodes[t]
			if !ok {
				return fmt.Errorf("organization snapshot: policy %s (%s): target %q does not exist", p.ID, p.Name, t)
			}
			scp.Targets = append(scp.Targets, n)
			n.Policies = append(n.Policies, scp)
		}
		o.policies[p.ID] = scp
		o.policyIDs = append(o.policyIDs, p.ID)
	}
	sort.Strings(o.policyIDs)
	o.scpsEnabled = len(o.policies) > 0
	if !o.scpsEnabled {
		return nil
	}
	// Once SCPs are in use AWS keeps at least one attached to every root,
	// OU and account; a snapshot without that is incomplete, and reports
	// from it would be wrong.
	var bare []string
	for _, n := range o.nodes {
		sort.Slice(n.Policies, func(i, j int) bool { return n.Policies[i].ID < n.Policies[j].ID })
		if len(n.Policies) == 0 {
			bare = append(bare, n.ID)
		}
	}
	if len(bare) > 0 {
		sort.Strings(bare)
		return fmt.Errorf("organization snapshot: every root, OU and account needs at least one SCP attached once policies are present; none attached to: %s", listIDs(bare))
	}
	return nil
}

func listIDs(ids []string) string {
	if len(ids) > maxListedProblems {
		return strings.Join(ids[:maxListedProblems], ", ") + fmt.Sprintf(" and %d more", len(ids)-maxListedProblems)
	}
	return strings.Join(ids, ", ")
}

// Snapshot returns the JSON the organization was imported from.
func (o *Organization) Snapshot() []byte { return o.snapshot }

// Node returns the entity with the id.
func (o *Organization) Node(id string) (*Node, bool) {
	n, ok := o.nodes[id]
	return n, ok
}

// Accounts returns the accounts sorted by id.
func (o *Organization) Accounts() []*Node { return o.accounts }

// OrganizationalUnits returns the OUs sorted by id.
func (o *Organization) OrganizationalUnits() []*Node { return o.ous }

// Policies returns the SCPs sorted by id.
func (o *Organization) Policies() []*SCP {
	out := make([]*SCP, 0, len(o.policyIDs))
	for _, id := range o.policyIDs {
		out = append(out, o.policies[id])
	}
	return out
}

// Policy returns the SCP with the id.
func (o *Organization) Policy(id string) (*SCP, bool) {
	p, ok := o.policies[id]
	return p, ok
}

// SCPsEnabled reports whether the snapshot has policies; without them
// every catalog service is allowed everywhere.
func (o *Organization) SCPsEnabled() bool { return o.scpsEnabled }

// AccountPath returns the entity path of an account of the organization.
func (o *Organization) AccountPath(account string) (string, bool) {
	n, ok := o.nodes[account]
	if !ok || n.Kind != KindAccount {
		return "", false
	}
	return n.Path, true
}

// accountsUnder lists the accounts in n's subtree (n itself if an account).
func accountsUnder(n *Node, out []*Node) []*Node {
	if n.Kind == KindAccount {
		return append(out, n)
	}
	for _, c := range n.Children {
		out = accountsUnder(c, out)
	}
	return out
}

// pathFromRoot returns root, …, n.
func pathFromRoot(n *Node) []*Node {
	var rev []*Node
	for p := n; p != nil; p = p.Parent {
		rev = append(rev, p)
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// allowedServices returns, per catalog index, whether the SCPs on n's path
// allow the service (SPEC §2). Cached per node: the organization and the
// catalog are immutable.
func (o *Organization) allowedServices(n *Node, cat *catalog.Catalog) []bool {
	o.allowedMu.Lock()
	defer o.allowedMu.Unlock()
	if a, ok := o.allowed[n.ID]; ok && len(a) == cat.Len() {
		return a
	}
	services := cat.Services()
	out := make([]bool, len(services))
	if !o.scpsEnabled {
		for i := range out {
			out[i] = true
		}
		o.allowed[n.ID] = out
		return out
	}
	var levels [][]*policy.Document
	for _, p := range pathFromRoot(n) {
		docs := make([]*policy.Document, len(p.Policies))
		for i, scp := range p.Policies {
			docs[i] = scp.Document
		}
		levels = append(levels, docs)
	}
	for i, s := range services {
		out[i] = policy.ServiceAllowedByLevels(levels, s.Namespace, actionsOf(s))
	}
	o.allowed[n.ID] = out
	return out
}

// actionsOf returns the service's known actions for exact SCP evaluation,
// or nil to reason on patterns alone. Only tracked actions are listed in
// the catalog, which is not every action, so patterns decide.
func actionsOf(catalog.Service) []string { return nil }

// policyAllows reports, per catalog index, whether one SCP on its own
// allows the service.
func policyAllows(p *SCP, cat *catalog.Catalog) []bool {
	services := cat.Services()
	out := make([]bool, len(services))
	for i, s := range services {
		out[i] = p.Document.AllowsService(s.Namespace, actionsOf(s)) && !p.Document.DeniesService(s.Namespace, actionsOf(s))
	}
	return out
}

// appliesTo reports whether the SCP is attached to n or one of its parents.
func (p *SCP) appliesTo(n *Node) bool {
	for q := n; q != nil; q = q.Parent {
		for _, a := range q.Policies {
			if a == p {
				return true
			}
		}
	}
	return false
}
