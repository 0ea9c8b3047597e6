package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"lastaccess/engine/policy"
	"lastaccess/internal/jsonpos"
)

// authorizationDetails is the output of `aws iam
// get-account-authorization-details` as far as the reports need it. The
// same type, trimmed to the default policy versions, is what the store
// keeps per account (meta "iam/<account>").
type authorizationDetails struct {
	UserDetailList  []userDetail          `json:"UserDetailList"`
	GroupDetailList []groupDetail         `json:"GroupDetailList"`
	RoleDetailList  []roleDetail          `json:"RoleDetailList"`
	Policies        []managedPolicyDetail `json:"Policies"`
	IsTruncated     bool                  `json:"IsTruncated,omitempty"`
}

type userDetail struct {
	Path                    string               `json:"Path"`
	UserName                string               `json:"UserName"`
	UserID                  string               `json:"UserId"`
	Arn                     string               `json:"Arn"`
	GroupList               []string             `json:"GroupList,omitempty"`
	AttachedManagedPolicies []attachedPolicy     `json:"AttachedManagedPolicies,omitempty"`
	UserPolicyList          []inlinePolicyDetail `json:"UserPolicyList,omitempty"`
	entityListing
}

type groupDetail struct {
	Path                    string               `json:"Path"`
	GroupName               string               `json:"GroupName"`
	GroupID                 string               `json:"GroupId"`
	Arn                     string               `json:"Arn"`
	GroupPolicyList         []inlinePolicyDetail `json:"GroupPolicyList,omitempty"`
	AttachedManagedPolicies []attachedPolicy     `json:"AttachedManagedPolicies,omitempty"`
	CreateDate              looseTime            `json:"CreateDate,omitempty"`
}

type roleDetail struct {
	Path                    string               `json:"Path"`
	RoleName                string               `json:"RoleName"`
	RoleID                  string               `json:"RoleId"`
	Arn                     string               `json:"Arn"`
	RolePolicyList          []inlinePolicyDetail `json:"RolePolicyList,omitempty"`
	AttachedManagedPolicies []attachedPolicy     `json:"AttachedManagedPolicies,omitempty"`
	roleListing
	InstanceProfileList []instanceProfileDetail `json:"InstanceProfileList,omitempty"`
}

type attachedPolicy struct {
	PolicyName string `json:"PolicyName"`
	PolicyArn  string `json:"PolicyArn"`
}

// inlinePolicyDetail keeps the document as given: a JSON object (as the
// AWS CLI prints it) or a string (URL-encoded, as the API returns it).
type inlinePolicyDetail struct {
	PolicyName     string          `json:"PolicyName"`
	PolicyDocument json.RawMessage `json:"PolicyDocument"`
}

type managedPolicyDetail struct {
	PolicyName        string          `json:"PolicyName"`
	PolicyID          string          `json:"PolicyId"`
	Arn               string          `json:"Arn"`
	Path              string          `json:"Path"`
	DefaultVersionID  string          `json:"DefaultVersionId,omitempty"`
	PolicyVersionList []policyVersion `json:"PolicyVersionList"`
	policyListing
}

type policyVersion struct {
	Document         json.RawMessage `json:"Document"`
	VersionID        string          `json:"VersionId,omitempty"`
	IsDefaultVersion bool            `json:"IsDefaultVersion"`
	CreateDate       looseTime       `json:"CreateDate,omitempty"`
}

// defaultVersion returns the default version of the policy, or nil.
func (p *managedPolicyDetail) defaultVersion() *policyVersion {
	for i := range p.PolicyVersionList {
		if p.PolicyVersionList[i].IsDefaultVersion {
			return &p.PolicyVersionList[i]
		}
	}
	return nil
}

func (p *managedPolicyDetail) defaultDocument() (*policy.Document, error) {
	v := p.defaultVersion()
	if v == nil {
		return nil, fmt.Errorf("policy %s has no default version", p.Arn)
	}
	return parsePolicyValue(v.Document)
}

// parsePolicyValue parses a document given as a JSON object or as a string
// in any of the forms policy.ParseText reads (URL-encoded, JSON text).
func parsePolicyValue(raw json.RawMessage) (*policy.Document, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil, errors.New("no policy document")
	case raw[0] == '"':
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return nil, err
		}
		return policy.ParseText(text)
	}
	return policy.Parse(raw)
}

// IAMImport is what ImportAuthorizationDetails stored.
type IAMImport struct {
	Account                         string
	Users, Groups, Roles, Policies  int
	InlinePolicies, AttachedManaged int
	// Warnings name what was kept but cannot be fully used: a group a user
	// lists that the file does not hold, an attached policy whose document
	// no imported file holds, a file that is one page of a truncated
	// listing.
	Warnings []string
}

// maxReportedProblems bounds the problems one import error lists.
const maxReportedProblems = 20

// parsedDetails is one validated authorization-details file.
type parsedDetails struct {
	account  string
	details  *authorizationDetails // trimmed to default policy versions
	warnings []string
	// unlisted are attached policies the file's Policies lack: fine if
	// another imported file holds them (AWS managed policies), a warning
	// otherwise.
	unlisted []unlistedPolicy
}

type unlistedPolicy struct{ what, arn string }

// parseAuthorizationDetails validates one account's authorization details.
// Every problem is named with the entity and policy it concerns; all of
// them are reported at once.
func parseAuthorizationDetails(data []byte) (*parsedDetails, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("not the JSON output of get-account-authorization-details: want a JSON object")
	}
	var d authorizationDetails
	if err := json.Unmarshal(trimmed, &d); err != nil {
		return nil, fmt.Errorf("not the JSON output of get-account-authorization-details: %w", jsonpos.Describe(trimmed, err))
	}
	out := &parsedDetails{details: &d}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var warnings []string
	account := ""
	accountOf := func(what, arn string) {
		a, ok := parseARNParts(arn)
		if !ok || a.account == "aws" {
			return
		}
		switch {
		case account == "":
			account = a.account
		case a.account != account:
			bad("%s: ARN %s belongs to account %s, but the file describes account %s (one file per account)", what, arn, a.account, account)
		}
	}
	checkEntity := func(what, kind, arn, name, path string) {
		a, ok := parseARNParts(arn)
		switch {
		case arn == "":
			bad("%s: missing Arn", what)
		case !ok || a.service != "iam" || a.typ != kind || !IsAccountID(a.account):
			bad("%s: Arn %q is not an IAM %s ARN", what, arn, kind)
		case a.name != name:
			bad("%s: Arn %s does not end in the name %q", what, arn, name)
		case path != "" && a.path != path:
			bad("%s: Arn %s does not have the path %q", what, arn, path)
		}
		if name == "" {
			bad("%s: missing name", what)
		}
		accountOf(what, arn)
	}
	checkInline := func(what string, list []inlinePolicyDetail) {
		seen := map[string]bool{}
		for _, p := range list {
			if p.PolicyName == "" {
				bad("%s: inline policy without PolicyName", what)
				continue
			}
			if seen[p.PolicyName] {
				bad("%s: inline policy %q listed twice", what, p.PolicyName)
			}
			seen[p.PolicyName] = true
			if _, err := parsePolicyValue(p.PolicyDocument); err != nil {
				bad("%s: inline policy %q: %v", what, p.PolicyName, err)
			}
		}
	}
	policyARNs := map[string]bool{}
	for i := range d.Policies {
		p := &d.Policies[i]
		what := fmt.Sprintf("policy %s", p.PolicyName)
		a, ok := parseARNParts(p.Arn)
		switch {
		case p.Arn == "":
			bad("Policies[%d] (%s): missing Arn", i, p.PolicyName)
			continue
		case !ok || a.service != "iam" || a.typ != "policy" || (a.account != "aws" && !IsAccountID(a.account)):
			bad("%s: Arn %q is not an IAM policy ARN", what, p.Arn)
			continue
		case policyARNs[p.Arn]:
			bad("%s: Arn %s listed twice", what, p.Arn)
			continue
		}
		policyARNs[p.Arn] = true
		if p.PolicyName == "" {
			p.PolicyName = a.name
		}
		accountOf(what, p.Arn)
		v := p.defaultVersion()
		if v == nil {
			bad("policy %s (%s): no version in PolicyVersionList has IsDefaultVersion true", p.PolicyName, p.Arn)
			continue
		}
		if _, err := parsePolicyValue(v.Document); err != nil {
			bad("policy %s (%s): default version %s: %v", p.PolicyName, p.Arn, v.VersionID, err)
		}
		if p.DefaultVersionID == "" {
			p.DefaultVersionID = v.VersionID
		}
		// Keep the default version only.
		p.PolicyVersionList = []policyVersion{*v}
	}
	groupNames := map[string]bool{}
	arns := map[string]bool{}
	dup := func(what, arn string) {
		if arn == "" {
			return
		}
		if arns[arn] {
			bad("%s: Arn %s listed twice", what, arn)
		}
		arns[arn] = true
	}
	attached := func(what string, refs []attachedPolicy) {
		for _, r := range refs {
			a, ok := parseARNParts(r.PolicyArn)
			if !ok || a.service != "iam" || a.typ != "policy" {
				bad("%s: attached policy %q: PolicyArn %q is not an IAM policy ARN", what, r.PolicyName, r.PolicyArn)
				continue
			}
			if a.account != "aws" && account != "" && a.account != account {
				bad("%s: attached policy %s belongs to account %s", what, r.PolicyArn, a.account)
			}
			if !policyARNs[r.PolicyArn] {
				out.unlisted = append(out.unlisted, unlistedPolicy{what, r.PolicyArn})
			}
		}
	}
	for _, g := range d.GroupDetailList {
		what := fmt.Sprintf("group %s", g.GroupName)
		checkEntity(what, "group", g.Arn, g.GroupName, g.Path)
		dup(what, g.Arn)
		if groupNames[g.GroupName] {
			bad("%s: listed twice", what)
		}
		groupNames[g.GroupName] = true
		checkInline(what, g.GroupPolicyList)
		attached(what, g.AttachedManagedPolicies)
	}
	for _, u := range d.UserDetailList {
		what := fmt.Sprintf("user %s", u.UserName)
		checkEntity(what, "user", u.Arn, u.UserName, u.Path)
		dup(what, u.Arn)
		checkInline(what, u.UserPolicyList)
		attached(what, u.AttachedManagedPolicies)
		for _, name := range u.GroupList {
			if !groupNames[name] {
				warnings = append(warnings, fmt.Sprintf("%s: group %s is not in the file's GroupDetailList; the membership is ignored", what, name))
			}
		}
	}
	for _, r := range d.RoleDetailList {
		what := fmt.Sprintf("role %s", r.RoleName)
		checkEntity(what, "role", r.Arn, r.RoleName, r.Path)
		dup(what, r.Arn)
		checkInline(what, r.RolePolicyList)
		attached(what, r.AttachedManagedPolicies)
	}
	if account == "" && len(problems) == 0 {
		bad("the file holds no user, group, role or customer managed policy, so its account is unknown")
	}
	if d.IsTruncated {
		warnings = append(warnings, "the file is one page of a truncated listing (IsTruncated is true); entities on other pages are missing")
		d.IsTruncated = false
	}
	if len(problems) > 0 {
		msg := problems
		if len(msg) > maxReportedProblems {
			msg = append(msg[:maxReportedProblems:maxReportedProblems], fmt.Sprintf("and %d more problems", len(problems)-maxReportedProblems))
		}
		return nil, errors.New(strings.Join(msg, "; "))
	}
	out.account, out.warnings = account, warnings
	return out, nil
}

// Meta names of the IAM data: one record per account, and the list of
// accounts (the store has no prefix scan of meta names).
const (
	metaIAMAccounts      = "iam"
	metaIAMAccountPrefix = "iam/"
)

// ImportAuthorizationDetails validates the output of `aws iam
// get-account-authorization-details` for one account and stores it,
// replacing what was imported for that account before. Events are
// untouched; report jobs keep the data they were generated with. A bad
// file changes nothing and is an InvalidInput error naming every problem.
func (e *Engine) ImportAuthorizationDetails(data []byte) (*IAMImport, error) {
	parsed, err := parseAuthorizationDetails(data)
	if err != nil {
		return nil, &Error{Code: CodeInvalidInput, Message: err.Error()}
	}
	account, d := parsed.account, parsed.details
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	cur, err := e.loadIAMLocked()
	if err != nil {
		return nil, err
	}
	parsedAccount, err := parseIAMAccount(d)
	if err != nil {
		return nil, &Error{Code: CodeInvalidInput, Message: err.Error()}
	}
	accounts := make(map[string]*iamAccount, len(cur.accounts)+1)
	for id, a := range cur.accounts {
		accounts[id] = a
	}
	accounts[account] = parsedAccount
	next := buildIAMState(accounts)
	warnings := parsed.warnings
	for _, u := range parsed.unlisted {
		if p, ok := next.policies[u.arn]; ok && p.doc != nil {
			continue // another account's file holds it (an AWS managed policy)
		}
		warnings = append(warnings, fmt.Sprintf("%s: attached policy %s is in no imported file's Policies; it grants nothing until a file with its document is imported", u.what, u.arn))
	}
	record, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("engine: encode IAM details: %w", err)
	}
	// The account's record first, then the list naming it: a crash in
	// between leaves the previous list, and importing again completes it.
	if err := e.store.PutMeta(metaIAMAccountPrefix+account, record); err != nil {
		return nil, err
	}
	if !cur.hasAccount(account) {
		ids := make([]string, 0, len(accounts))
		for id := range accounts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		list, _ := json.Marshal(ids)
		if err := e.store.PutMeta(metaIAMAccounts, list); err != nil {
			return nil, err
		}
	}
	e.stateMu.Lock()
	e.iam = next
	e.stateMu.Unlock()
	out := &IAMImport{Account: account, Users: len(d.UserDetailList), Groups: len(d.GroupDetailList), Roles: len(d.RoleDetailList), Policies: len(d.Policies), Warnings: warnings}
	for _, u := range d.UserDetailList {
		out.InlinePolicies += len(u.UserPolicyList)
		out.AttachedManaged += len(u.AttachedManagedPolicies)
	}
	for _, g := range d.GroupDetailList {
		out.InlinePolicies += len(g.GroupPolicyList)
		out.AttachedManaged += len(g.AttachedManagedPolicies)
	}
	for _, r := range d.RoleDetailList {
		out.InlinePolicies += len(r.RolePolicyList)
		out.AttachedManaged += len(r.AttachedManagedPolicies)
	}
	return out, nil
}

// ensureIAM loads the imported IAM data on first use and returns it.
func (e *Engine) ensureIAM() (*iamState, error) {
	e.stateMu.RLock()
	st := e.iam
	e.stateMu.RUnlock()
	if st != nil {
		return st, nil
	}
	// writeMu keeps imports out while the records are read.
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	return e.loadIAMLocked()
}

// loadIAMLocked returns the IAM state, reading it from the store if it is
// not loaded yet. Callers hold writeMu.
func (e *Engine) loadIAMLocked() (*iamState, error) {
	e.stateMu.RLock()
	st := e.iam
	e.stateMu.RUnlock()
	if st != nil {
		return st, nil
	}
	list, err := e.store.Meta(metaIAMAccounts)
	if err != nil {
		return nil, err
	}
	var ids []string
	if len(list) > 0 {
		if err := json.Unmarshal(list, &ids); err != nil {
			return nil, fmt.Errorf("engine: stored IAM account list: %w", err)
		}
	}
	accounts := make(map[string]*iamAccount, len(ids))
	for _, id := range ids {
		record, err := e.store.Meta(metaIAMAccountPrefix + id)
		if err != nil {
			return nil, err
		}
		if record == nil {
			continue
		}
		d := &authorizationDetails{}
		if err := json.Unmarshal(record, d); err != nil {
			return nil, fmt.Errorf("engine: stored IAM details of account %s: %w", id, err)
		}
		a, err := parseIAMAccount(d)
		if err != nil {
			return nil, fmt.Errorf("engine: stored IAM details of account %s: %w", id, err)
		}
		accounts[id] = a
	}
	st = buildIAMState(accounts)
	e.stateMu.Lock()
	e.iam = st
	e.stateMu.Unlock()
	return st, nil
}
