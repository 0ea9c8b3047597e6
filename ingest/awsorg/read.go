package awsorg

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"lastaccess/engine"
	"lastaccess/engine/policy"
)

const scpType = "SERVICE_CONTROL_POLICY"

// Result is the organization the directory describes.
type Result struct {
	Snapshot engine.OrgSnapshot
	// JSON is Snapshot in the file format of SPEC §3: what
	// engine.Engine.ImportOrganization takes.
	JSON []byte
	// AccountStates counts the accounts by State (Status for outputs
	// older than State): ACTIVE, SUSPENDED, PENDING_CLOSURE, … Every
	// listed account is in the snapshot, whatever its state.
	AccountStates map[string]int
	// Notes are facts the caller may show: SCPs not enabled, say.
	Notes []string
}

// ReadDir reads the AWS CLI outputs under dirPath (the layout of the
// package comment). Errors name files as dirPath joined with the file.
func ReadDir(dirPath string) (*Result, error) {
	st, err := os.Stat(dirPath)
	if err != nil {
		return nil, fmt.Errorf("AWS CLI outputs: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("AWS CLI outputs: %s is not a directory (scripts/org-snapshot.sh DIR writes one)", dirPath)
	}
	return read(&dir{fsys: os.DirFS(dirPath), display: dirPath})
}

// Read reads the AWS CLI outputs from fsys, laid out as ReadDir's.
func Read(fsys fs.FS) (*Result, error) { return read(&dir{fsys: fsys}) }

func read(d *dir) (*Result, error) {
	res := &Result{AccountStates: map[string]int{}}
	snap := &res.Snapshot
	org, err := d.organization()
	if err != nil {
		return nil, err
	}
	snap.Organization = org.SnapshotOrganization
	root, scpsOn, err := d.root()
	if err != nil {
		return nil, err
	}
	snap.Roots = []engine.SnapshotRoot{root}
	if err := d.walk(root.ID, res); err != nil {
		return nil, err
	}
	switch {
	case org.featureSet == "CONSOLIDATED_BILLING":
		res.Notes = append(res.Notes, "the organization has only consolidated billing features (describe-organization.json): no SCPs, every service is allowed everywhere")
	case !scpsOn:
		res.Notes = append(res.Notes, fmt.Sprintf("SCPs are not enabled on root %s (list-roots.json): every service is allowed everywhere", root.ID))
	default:
		if snap.Policies, err = d.policies(); err != nil {
			return nil, err
		}
	}
	res.JSON, err = json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return nil, err
	}
	res.JSON = append(res.JSON, '\n')
	return res, nil
}

type organization struct {
	engine.SnapshotOrganization
	featureSet string
}

func (d *dir) organization() (organization, error) {
	const file, command = fileDescribeOrganization, "aws organizations describe-organization"
	var out describeOrganizationOutput
	if err := d.decode(file, command, "", &out); err != nil {
		return organization{}, err
	}
	o := out.Organization
	if o == nil {
		return organization{}, d.fail(file, ErrMalformed, "no Organization member: not what `%s` prints", command)
	}
	if err := engine.CheckID(engine.IDOrganization, o.ID); err != nil {
		return organization{}, d.fail(file, ErrMalformed, "Organization.Id %v", err)
	}
	master := o.MasterAccountID
	if master == "" {
		// AWS's own example output names the management account by its
		// ARN alone: arn:aws:organizations::<id>:account/o-…/<id>.
		if i := strings.LastIndexByte(o.MasterAccountArn, '/'); i >= 0 {
			master = o.MasterAccountArn[i+1:]
		}
	}
	if err := engine.CheckID(engine.IDAccount, master); err != nil {
		return organization{}, d.fail(file, ErrMalformed, "Organization.MasterAccountId %v", err)
	}
	return organization{engine.SnapshotOrganization{ID: o.ID, MasterAccountID: master}, o.FeatureSet}, nil
}

// root returns the organization's root and whether SCPs are enabled on it.
func (d *dir) root() (engine.SnapshotRoot, bool, error) {
	const file, command = fileListRoots, "aws organizations list-roots"
	var out listRootsOutput
	if err := d.decode(file, command, "", &out); err != nil {
		return engine.SnapshotRoot{}, false, err
	}
	if n := len(*out.Roots); n != 1 {
		return engine.SnapshotRoot{}, false, d.fail(file, ErrMalformed, "%d roots; an organization has exactly one", n)
	}
	r := (*out.Roots)[0]
	if err := engine.CheckID(engine.IDRoot, r.ID); err != nil {
		return engine.SnapshotRoot{}, false, d.fail(file, ErrMalformed, "Roots[0].Id %v", err)
	}
	scps := false
	for _, t := range r.PolicyTypes {
		scps = scps || (t.Type == scpType && t.Status == "ENABLED")
	}
	return engine.SnapshotRoot{ID: r.ID, Name: r.Name}, scps, nil
}

// walk lists the OUs and accounts under the root, breadth first, as
// scripts/org-snapshot.sh asks for them.
func (d *dir) walk(rootID string, res *Result) error {
	snap := &res.Snapshot
	listedIn := map[string]string{rootID: fileListRoots} // id → the file that lists it
	queue := []string{rootID}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		neededBy := fmt.Sprintf("%s is listed in %s", parent, d.name(listedIn[parent]))

		file := perID(dirOUsForParent, parent)
		command := "aws organizations list-organizational-units-for-parent --parent-id " + parent
		var ous listOUsForParentOutput
		if err := d.decode(file, command, neededBy, &ous); err != nil {
			return err
		}
		for i, ou := range *ous.OrganizationalUnits {
			if err := d.place(listedIn, file, "OrganizationalUnits", i, engine.IDOU, ou.ID); err != nil {
				return err
			}
			snap.OrganizationalUnits = append(snap.OrganizationalUnits, engine.SnapshotOU{ID: ou.ID, Name: ou.Name, ParentID: parent})
			queue = append(queue, ou.ID)
		}

		file = perID(dirAccountsForParent, parent)
		command = "aws organizations list-accounts-for-parent --parent-id " + parent
		var accounts listAccountsForParentOutput
		if err := d.decode(file, command, neededBy, &accounts); err != nil {
			return err
		}
		for i, a := range *accounts.Accounts {
			if err := d.place(listedIn, file, "Accounts", i, engine.IDAccount, a.ID); err != nil {
				return err
			}
			snap.Accounts = append(snap.Accounts, engine.SnapshotAccount{ID: a.ID, Name: a.Name, ParentID: parent})
			state := a.State
			if state == "" {
				state = a.Status
			}
			res.AccountStates[state]++
		}
	}
	return nil
}

// place records that file lists id, item i of its member, unless id is not
// an id of that kind or another listing has it already: an OU or account
// has one parent, and an OU walked twice would be walked forever.
func (d *dir) place(listedIn map[string]string, file, member string, i int, kind engine.IDKind, id string) error {
	if err := engine.CheckID(kind, id); err != nil {
		return d.fail(file, ErrMalformed, "%s[%d].Id %v", member, i, err)
	}
	if other, dup := listedIn[id]; dup {
		noun := map[engine.IDKind]string{engine.IDOU: "OU", engine.IDAccount: "account"}[kind]
		return d.fail(file, ErrMalformed, "%s %s is also listed in %s; an %s has one parent", noun, id, d.name(other), noun)
	}
	listedIn[id] = file
	return nil
}

// policies reads the SCPs: each listed policy's document and targets.
func (d *dir) policies() ([]engine.SnapshotPolicy, error) {
	const file, command = fileListPolicies, "aws organizations list-policies --filter " + scpType
	var out listPoliciesOutput
	if err := d.decode(file, command, "SCPs are enabled on the root", &out); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var policies []engine.SnapshotPolicy
	for i, p := range *out.Policies {
		if err := engine.CheckID(engine.IDPolicy, p.ID); err != nil {
			return nil, d.fail(file, ErrMalformed, "Policies[%d].Id %v", i, err)
		}
		if p.Type != "" && p.Type != scpType {
			return nil, d.fail(file, ErrMalformed, "Policies[%d] (%s) is a %s; the file should hold what `%s` prints", i, p.ID, p.Type, command)
		}
		if seen[p.ID] {
			return nil, d.fail(file, ErrMalformed, "policy %s is listed twice", p.ID)
		}
		seen[p.ID] = true
		neededBy := fmt.Sprintf("%s is listed in %s", p.ID, d.name(file))
		sp, err := d.policy(p.ID, neededBy)
		if err != nil {
			return nil, err
		}
		if sp.Name == "" {
			sp.Name = p.Name
		}
		if sp.Targets, err = d.targets(p.ID, neededBy); err != nil {
			return nil, err
		}
		policies = append(policies, sp)
	}
	return policies, nil
}

func (d *dir) policy(id, neededBy string) (engine.SnapshotPolicy, error) {
	file := perID(dirDescribePolicy, id)
	command := "aws organizations describe-policy --policy-id " + id
	var out describePolicyOutput
	if err := d.decode(file, command, neededBy, &out); err != nil {
		return engine.SnapshotPolicy{}, err
	}
	p := out.Policy
	if p == nil || p.PolicySummary == nil || p.Content == nil {
		return engine.SnapshotPolicy{}, d.fail(file, ErrMalformed, "no Policy.PolicySummary or Policy.Content member: not what `%s` prints", command)
	}
	if p.PolicySummary.ID != id {
		return engine.SnapshotPolicy{}, d.fail(file, ErrMalformed, "describes policy %q, not %s", p.PolicySummary.ID, id)
	}
	// The engine checks the document again; checking here names the file.
	if _, err := policy.ParseText(*p.Content); err != nil {
		return engine.SnapshotPolicy{}, d.fail(file, ErrMalformed, "Policy.Content: %v", err)
	}
	return engine.SnapshotPolicy{ID: id, Name: p.PolicySummary.Name, Content: *p.Content}, nil
}

func (d *dir) targets(id, neededBy string) ([]string, error) {
	file := perID(dirTargetsForPolicy, id)
	command := "aws organizations list-targets-for-policy --policy-id " + id
	var out listTargetsForPolicyOutput
	if err := d.decode(file, command, neededBy, &out); err != nil {
		return nil, err
	}
	targets := make([]string, 0, len(*out.Targets))
	for _, t := range *out.Targets {
		targets = append(targets, t.TargetID)
	}
	return targets, nil
}
