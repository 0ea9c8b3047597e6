package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"lastaccess/engine/policy"
	"lastaccess/internal/jsonpos"
)

// A change set of SCPs, for what-if reports (SPEC §8): the same JSON in
// the CLI and SQL,
//
//	[{"Attach": {"PolicyId": "p-…"} | {"Content": "<SCP JSON>", "Name": "…"}, "Target": "ou-…"},
//	 {"Detach": "p-…", "Target": "r-…"},
//	 {"Replace": "p-…", "Content": "<SCP JSON>"}]
//
// applied in order to the organization's snapshot, which is then validated
// as `org import` validates it. A change set that cannot be read, or a
// document that is not a valid SCP, is a ValidationError; a target or
// policy the organization lacks, or a change the organization cannot
// take (a second attachment, detaching what is not attached, an entity
// left without an SCP), is InvalidInput.

// MaxSCPCharacters is AWS's limit on an SCP document's size.
const MaxSCPCharacters = 5120

// maxChangeSetBytes bounds a change set before it is decoded.
const maxChangeSetBytes = 1 << 20

// whatIfPolicyPrefix names the policies a change set creates: p-whatif_1,
// p-whatif_2, … in the order of the change set's Attach members.
const whatIfPolicyPrefix = "p-whatif_"

// fullAccessPolicyID is the policy AWS attaches to every root, OU and
// account when SCPs are enabled.
const fullAccessPolicyID = "p-FullAWSAccess"

const fullAccessContent = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// scpChange is one member of a change set, as written.
type scpChange struct {
	Attach  *scpAttach      `json:"Attach,omitempty"`
	Detach  *string         `json:"Detach,omitempty"`
	Replace *string         `json:"Replace,omitempty"`
	Target  *string         `json:"Target,omitempty"`
	Content json.RawMessage `json:"Content,omitempty"`
}

type scpAttach struct {
	PolicyID *string         `json:"PolicyId,omitempty"`
	Content  json.RawMessage `json:"Content,omitempty"`
	Name     *string         `json:"Name,omitempty"`
}

// parsedChange is a change read and its documents checked, ready to apply.
type parsedChange struct {
	op       string // "Attach", "Detach", "Replace"
	policyID string // the policy attached (existing or new), detached or replaced
	target   string // Attach, Detach
	name     string // a new policy's name
	content  string // a new policy's or a replacement's document
	isNew    bool
}

// parseSCPChanges reads a change set. It checks the documents it carries
// (size, SCP grammar) but not yet the organization.
func parseSCPChanges(text string) ([]parsedChange, error) {
	invalid := func(format string, args ...any) error {
		return errorf(CodeValidationError, "Invalid change set: "+format, args...)
	}
	if len(text) > maxChangeSetBytes {
		return nil, invalid("it is %d bytes, over the limit of %d", len(text), maxChangeSetBytes)
	}
	data := []byte(strings.TrimSpace(text))
	if len(data) == 0 {
		return nil, invalid("it is empty; give a JSON array of changes such as [{\"Attach\": {\"PolicyId\": \"p-…\"}, \"Target\": \"ou-…\"}]")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw []scpChange
	if err := dec.Decode(&raw); err != nil {
		return nil, invalid("%s", truncateForMessage(jsonpos.Describe(data, err).Error()))
	}
	if dec.More() {
		return nil, invalid("unexpected data after the JSON array")
	}
	if len(raw) == 0 {
		return nil, invalid("it holds no change")
	}
	out := make([]parsedChange, 0, len(raw))
	created := 0
	for i, c := range raw {
		at := fmt.Sprintf("change %d", i+1)
		ops := 0
		for _, given := range []bool{c.Attach != nil, c.Detach != nil, c.Replace != nil} {
			if given {
				ops++
			}
		}
		if ops != 1 {
			return nil, invalid("%s: give exactly one of Attach, Detach and Replace", at)
		}
		var p parsedChange
		switch {
		case c.Attach != nil:
			p.op = "Attach"
			if c.Target == nil || c.Content != nil {
				return nil, invalid("%s: Attach needs Target (and its Content inside Attach)", at)
			}
			p.target = *c.Target
			a := c.Attach
			switch {
			case a.PolicyID != nil && a.Content == nil && a.Name == nil:
				p.policyID = *a.PolicyID
			case a.PolicyID == nil && a.Content != nil:
				content, err := changeContent(a.Content)
				if err != nil {
					return nil, invalid("%s: Attach.Content: %v", at, err)
				}
				created++
				p.isNew, p.content, p.policyID = true, content, fmt.Sprintf("%s%d", whatIfPolicyPrefix, created)
				p.name = "what-if " + fmt.Sprint(created)
				if a.Name != nil {
					p.name = *a.Name
				}
			default:
				return nil, invalid("%s: Attach takes either PolicyId or Content (with an optional Name)", at)
			}
		case c.Detach != nil:
			p.op, p.policyID = "Detach", *c.Detach
			if c.Target == nil || c.Content != nil {
				return nil, invalid("%s: Detach needs Target and takes no Content", at)
			}
			p.target = *c.Target
		default:
			p.op, p.policyID = "Replace", *c.Replace
			if c.Target != nil || c.Content == nil {
				return nil, invalid("%s: Replace needs Content and takes no Target", at)
			}
			content, err := changeContent(c.Content)
			if err != nil {
				return nil, invalid("%s: Content: %v", at, err)
			}
			p.content = content
		}
		if p.content != "" {
			if err := checkSCPDocument(p.content); err != nil {
				return nil, errorf(CodeValidationError, "%s: %s", at, err.Error())
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// changeContent is a Content member: a JSON string holding the document,
// as Organizations' API takes it, or the document itself as a JSON
// object, taken as written.
func changeContent(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case len(raw) > 0 && raw[0] == '{':
		return string(raw), nil
	}
	return "", fmt.Errorf("want the SCP document as a JSON string or object, got %s", truncateForMessage(string(raw)))
}

// checkSCPDocument validates an SCP's document as Organizations does: at
// most 5 120 characters, and a policy the SCP grammar accepts.
func checkSCPDocument(content string) error {
	if n := utf8.RuneCountInString(content); n > MaxSCPCharacters {
		return fmt.Errorf("the policy document is %d characters, over the SCP limit of %d", n, MaxSCPCharacters)
	}
	if _, err := policy.ParseText(content); err != nil {
		return fmt.Errorf("the policy document is not a valid SCP: %v", err)
	}
	return nil
}

// applySCPChanges returns the organization as it would be after the
// changes: its snapshot with the changes made, validated as an import.
func applySCPChanges(org *Organization, changes []parsedChange) (*Organization, error) {
	var snap OrgSnapshot
	if err := json.Unmarshal(org.Snapshot(), &snap); err != nil {
		return nil, fmt.Errorf("engine: stored organization: %w", err)
	}
	bad := func(i int, format string, args ...any) error {
		return errorf(CodeInvalidInput, "change %d: "+format, append([]any{i + 1}, args...)...)
	}
	find := func(id string) int {
		return slices.IndexFunc(snap.Policies, func(p SnapshotPolicy) bool { return p.ID == id })
	}
	for i, c := range changes {
		if c.target != "" {
			if _, ok := org.Node(c.target); !ok {
				return nil, bad(i, "the target %s is not a root, OU or account of organization %s", truncateForMessage(c.target), org.ID)
			}
		}
		switch c.op {
		case "Attach":
			if len(snap.Policies) == 0 {
				// AWS attaches FullAWSAccess to every root, OU and account
				// when SCPs are enabled; an attachment implies it.
				snap.Policies = append(snap.Policies, enableSCPs(&snap))
			}
			if c.isNew {
				snap.Policies = append(snap.Policies, SnapshotPolicy{ID: c.policyID, Name: c.name, Content: c.content})
			}
			k := find(c.policyID)
			if k < 0 {
				return nil, bad(i, "the policy %s does not exist in organization %s", truncateForMessage(c.policyID), org.ID)
			}
			if slices.Contains(snap.Policies[k].Targets, c.target) {
				return nil, bad(i, "the policy %s is already attached to %s", c.policyID, c.target)
			}
			snap.Policies[k].Targets = append(slices.Clone(snap.Policies[k].Targets), c.target)
		case "Detach":
			k := find(c.policyID)
			if k < 0 {
				return nil, bad(i, "the policy %s does not exist in organization %s", truncateForMessage(c.policyID), org.ID)
			}
			t := slices.Index(snap.Policies[k].Targets, c.target)
			if t < 0 {
				return nil, bad(i, "the policy %s is not attached to %s", c.policyID, c.target)
			}
			snap.Policies[k].Targets = slices.Delete(slices.Clone(snap.Policies[k].Targets), t, t+1)
		case "Replace":
			k := find(c.policyID)
			if k < 0 {
				return nil, bad(i, "the policy %s does not exist in organization %s", truncateForMessage(c.policyID), org.ID)
			}
			snap.Policies[k].Content = c.content
		}
	}
	data, err := json.Marshal(&snap)
	if err != nil {
		return nil, err
	}
	changed, err := ParseOrganization(data)
	if err != nil {
		return nil, errorf(CodeInvalidInput, "The organization after the changes is not valid: %s", strings.TrimPrefix(err.Error(), "organization snapshot: "))
	}
	return changed, nil
}

// enableSCPs is FullAWSAccess attached to every entity of the snapshot.
func enableSCPs(snap *OrgSnapshot) SnapshotPolicy {
	p := SnapshotPolicy{ID: fullAccessPolicyID, Name: "FullAWSAccess", Content: fullAccessContent}
	for _, r := range snap.Roots {
		p.Targets = append(p.Targets, r.ID)
	}
	for _, ou := range snap.OrganizationalUnits {
		p.Targets = append(p.Targets, ou.ID)
	}
	for _, a := range snap.Accounts {
		p.Targets = append(p.Targets, a.ID)
	}
	return p
}
