package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"lastaccess/engine/policy"
)

// The IAM entity listings of one account — ListUsers, ListGroups,
// ListRoles, ListPolicies and GetAccountAuthorizationDetails — read from
// the authorization details imported for it, so that tools which
// enumerate entities before they generate reports run unchanged. Entities
// keep the order of the imported file (AWS's own order); pages are cut
// by MaxItems and resumed with markers bound to the account and the
// filters.

// What an imported file carries beyond what the reports need, kept so the
// listings can return it. Dates stay as given (looseTime).
type entityListing struct {
	CreateDate          looseTime            `json:"CreateDate,omitempty"`
	PermissionsBoundary *PermissionsBoundary `json:"PermissionsBoundary,omitempty"`
	Tags                []Tag                `json:"Tags,omitempty"`
}

type roleListing struct {
	entityListing
	AssumeRolePolicyDocument json.RawMessage `json:"AssumeRolePolicyDocument,omitempty"`
	Description              string          `json:"Description,omitempty"`
	MaxSessionDuration       *int            `json:"MaxSessionDuration,omitempty"`
	RoleLastUsed             *roleLastUsed   `json:"RoleLastUsed,omitempty"`
}

type roleLastUsed struct {
	LastUsedDate looseTime `json:"LastUsedDate,omitempty"`
	Region       string    `json:"Region,omitempty"`
}

type instanceProfileDetail struct {
	Path                string                `json:"Path"`
	InstanceProfileName string                `json:"InstanceProfileName"`
	InstanceProfileID   string                `json:"InstanceProfileId"`
	Arn                 string                `json:"Arn"`
	CreateDate          looseTime             `json:"CreateDate,omitempty"`
	Roles               []instanceProfileRole `json:"Roles,omitempty"`
	Tags                []Tag                 `json:"Tags,omitempty"`
}

type instanceProfileRole struct {
	Path     string `json:"Path"`
	RoleName string `json:"RoleName"`
	RoleID   string `json:"RoleId"`
	Arn      string `json:"Arn"`
	roleListing
}

type policyListing struct {
	AttachmentCount               *int      `json:"AttachmentCount,omitempty"`
	PermissionsBoundaryUsageCount *int      `json:"PermissionsBoundaryUsageCount,omitempty"`
	IsAttachable                  *bool     `json:"IsAttachable,omitempty"`
	Description                   string    `json:"Description,omitempty"`
	CreateDate                    looseTime `json:"CreateDate,omitempty"`
	UpdateDate                    looseTime `json:"UpdateDate,omitempty"`
}

// looseTime is a date of an imported file as written there. A value that
// is not a string is dropped rather than failing the import: the reports
// do not need it, and a listing leaves a date it cannot read out.
type looseTime string

func (t *looseTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*t = looseTime(s)
	}
	return nil
}

// timestamp reads the date (RFC 3339, as the AWS CLI and the API print
// it); nil when absent or unreadable.
func (t looseTime) timestamp() *Timestamp {
	if t == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, string(t))
	if err != nil {
		return nil
	}
	ts := NewTimestamp(v)
	return &ts
}

// Tag is an IAM tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// PermissionsBoundary is an entity's permissions boundary.
type PermissionsBoundary struct {
	PermissionsBoundaryType string `json:"PermissionsBoundaryType,omitempty"`
	PermissionsBoundaryArn  string `json:"PermissionsBoundaryArn,omitempty"`
}

// RoleLastUsed is when and where a role was last used, as imported.
type RoleLastUsed struct {
	LastUsedDate *Timestamp
	Region       string
}

// InlinePolicy is a policy embedded in a user, group or role; the
// document is JSON text (the wire encodes it further).
type InlinePolicy struct {
	PolicyName     string
	PolicyDocument string
}

// AttachedPolicy names a managed policy attached to an entity.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

// UserDetail is a user as GetAccountAuthorizationDetails returns it;
// ListUsers returns its first fields.
type UserDetail struct {
	Path, UserName, UserID, Arn string
	CreateDate                  *Timestamp
	UserPolicyList              []InlinePolicy
	GroupList                   []string
	AttachedManagedPolicies     []AttachedPolicy
	PermissionsBoundary         *PermissionsBoundary
	Tags                        []Tag
}

// GroupDetail is a group as GetAccountAuthorizationDetails returns it;
// ListGroups returns its first fields.
type GroupDetail struct {
	Path, GroupName, GroupID, Arn string
	CreateDate                    *Timestamp
	GroupPolicyList               []InlinePolicy
	AttachedManagedPolicies       []AttachedPolicy
}

// Role is a role as ListRoles and an instance profile's Roles list it.
type Role struct {
	Path, RoleName, RoleID, Arn string
	CreateDate                  *Timestamp
	AssumeRolePolicyDocument    string // JSON text; "" when not imported
	Description                 string
	MaxSessionDuration          *int
	PermissionsBoundary         *PermissionsBoundary
	Tags                        []Tag
	RoleLastUsed                *RoleLastUsed
}

// InstanceProfile is an instance profile of a role.
type InstanceProfile struct {
	Path, InstanceProfileName, InstanceProfileID, Arn string
	CreateDate                                        *Timestamp
	Roles                                             []Role
	Tags                                              []Tag
}

// RoleDetail is a role as GetAccountAuthorizationDetails returns it.
type RoleDetail struct {
	Role
	InstanceProfileList     []InstanceProfile
	RolePolicyList          []InlinePolicy
	AttachedManagedPolicies []AttachedPolicy
}

// PolicyVersion is a version of a managed policy; Document is JSON text.
type PolicyVersion struct {
	Document         string
	VersionID        string
	IsDefaultVersion bool
	CreateDate       *Timestamp
}

// ManagedPolicyDetail is a managed policy as GetAccountAuthorizationDetails
// returns it (ListPolicies returns all but PolicyVersionList).
// AttachmentCount counts the account's users, groups and roles it is
// attached to. Only the default version was kept at import.
type ManagedPolicyDetail struct {
	PolicyName, PolicyID, Arn, Path, DefaultVersionID string
	AttachmentCount                                   int
	PermissionsBoundaryUsageCount                     *int
	IsAttachable                                      *bool
	Description                                       string
	CreateDate, UpdateDate                            *Timestamp
	PolicyVersionList                                 []PolicyVersion
}

// ListEntitiesInput is a ListUsers, ListGroups or ListRoles request for
// the entities of Account. A nil member is not given: MaxItems nil is the
// default page (100).
type ListEntitiesInput struct {
	Account    string
	PathPrefix *string
	MaxItems   *int
	Marker     *string
}

// Page is where a page of a listing ends: IsTruncated, and the Marker of
// the next page.
type Page struct {
	IsTruncated bool
	Marker      string
}

// UserPage is a ListUsers response.
type UserPage struct {
	Users []UserDetail
	Page
}

// GroupPage is a ListGroups response.
type GroupPage struct {
	Groups []GroupDetail
	Page
}

// RolePage is a ListRoles response.
type RolePage struct {
	Roles []RoleDetail
	Page
}

// Policy scopes and usage filters of ListPolicies.
const (
	PolicyScopeAll               = "All"
	PolicyScopeAWS               = "AWS"
	PolicyScopeLocal             = "Local"
	PolicyUsagePermissionsPolicy = "PermissionsPolicy"
	PolicyUsageBoundary          = "PermissionsBoundary"
)

// ListPoliciesInput is a ListPolicies request. Scope nil means All;
// OnlyAttached keeps policies attached to some user, group or role of the
// account.
type ListPoliciesInput struct {
	Account           string
	Scope             *string
	OnlyAttached      bool
	PathPrefix        *string
	PolicyUsageFilter *string
	MaxItems          *int
	Marker            *string
}

// PolicyPage is a ListPolicies response.
type PolicyPage struct {
	Policies []ManagedPolicyDetail
	Page
}

// Entity types of GetAccountAuthorizationDetails' Filter.
const (
	EntityFilterUser               = "User"
	EntityFilterRole               = "Role"
	EntityFilterGroup              = "Group"
	EntityFilterLocalManagedPolicy = "LocalManagedPolicy"
	EntityFilterAWSManagedPolicy   = "AWSManagedPolicy"
)

// AccountAuthorizationDetailsInput is a GetAccountAuthorizationDetails
// request. An empty Filter means every entity type.
type AccountAuthorizationDetailsInput struct {
	Account  string
	Filter   []string
	MaxItems *int
	Marker   *string
}

// AccountAuthorizationDetails is a GetAccountAuthorizationDetails
// response: one page across the four lists, in this order.
type AccountAuthorizationDetails struct {
	UserDetailList  []UserDetail
	GroupDetailList []GroupDetail
	RoleDetailList  []RoleDetail
	Policies        []ManagedPolicyDetail
	Page
}

// Marker scopes of the listings.
const (
	markerScopeUsers   = "iam-users"
	markerScopeGroups  = "iam-groups"
	markerScopeRoles   = "iam-roles"
	markerScopeManaged = "iam-policies"
	markerScopeDetails = "iam-details"
)

// accountDetails returns the imported details of an account, or nil when
// none were imported (its listings are empty).
func (e *Engine) accountDetails(account string) (*authorizationDetails, error) {
	st, err := e.ensureIAM()
	if err != nil {
		return nil, err
	}
	if a, ok := st.accounts[account]; ok {
		return a.details, nil
	}
	return nil, nil
}

// pageBounds resolves a listing's marker to the page [start, end) of n
// items and the marker of the next page.
func (e *Engine) pageBounds(scope, account, filters, marker string, maxItems, n int) (start, end int, page Page, err error) {
	if marker != "" {
		if start, err = e.parseMarker(marker, scope, account, filters, n); err != nil {
			return 0, 0, page, err
		}
	}
	end = min(start+maxItems, n)
	if end < n {
		page = Page{IsTruncated: true, Marker: e.issueMarker(scope, account, filters, end)}
	}
	return start, end, page, nil
}

// ListUsers lists the account's users whose path starts with PathPrefix.
func (e *Engine) ListUsers(ctx context.Context, in ListEntitiesInput) (*UserPage, error) {
	users, page, err := listEntities(e, markerScopeUsers, in, func(d *authorizationDetails) []userDetail { return d.UserDetailList },
		func(u *userDetail) string { return u.Path }, (*userDetail).export)
	if err != nil {
		return nil, err
	}
	return &UserPage{Users: users, Page: page}, nil
}

// ListGroups lists the account's groups whose path starts with PathPrefix.
func (e *Engine) ListGroups(ctx context.Context, in ListEntitiesInput) (*GroupPage, error) {
	groups, page, err := listEntities(e, markerScopeGroups, in, func(d *authorizationDetails) []groupDetail { return d.GroupDetailList },
		func(g *groupDetail) string { return g.Path }, (*groupDetail).export)
	if err != nil {
		return nil, err
	}
	return &GroupPage{Groups: groups, Page: page}, nil
}

// ListRoles lists the account's roles whose path starts with PathPrefix.
func (e *Engine) ListRoles(ctx context.Context, in ListEntitiesInput) (*RolePage, error) {
	roles, page, err := listEntities(e, markerScopeRoles, in, func(d *authorizationDetails) []roleDetail { return d.RoleDetailList },
		func(r *roleDetail) string { return r.Path }, (*roleDetail).export)
	if err != nil {
		return nil, err
	}
	return &RolePage{Roles: roles, Page: page}, nil
}

// listEntities is one page of the account's entities of one kind (list)
// whose path starts with the prefix.
func listEntities[D, E any](e *Engine, scope string, in ListEntitiesInput, list func(*authorizationDetails) []D, path func(*D) string, export func(*D) E) ([]E, Page, error) {
	var v validation
	validateParams(&v, param{pathPrefixShape, optionalString(in.PathPrefix)}, param{maxItemsShape, optionalInt(in.MaxItems)},
		param{markerShape, optionalString(in.Marker)})
	if err := v.err(); err != nil {
		return nil, Page{}, err
	}
	prefix, maxItems := deref(in.PathPrefix), pageSize(in.MaxItems)
	d, err := e.accountDetails(in.Account)
	if err != nil {
		return nil, Page{}, err
	}
	var matching []*D
	if d != nil {
		all := list(d)
		for i := range all {
			if strings.HasPrefix(path(&all[i]), prefix) {
				matching = append(matching, &all[i])
			}
		}
	}
	start, end, page, err := e.pageBounds(scope, in.Account, prefix, deref(in.Marker), maxItems, len(matching))
	if err != nil {
		return nil, Page{}, err
	}
	out := make([]E, 0, end-start)
	for _, x := range matching[start:end] {
		out = append(out, export(x))
	}
	return out, page, nil
}

// ListPolicies lists the managed policies of the account's file: its
// customer managed policies (Local) and the AWS managed ones attached in
// it (AWS). A policy's AttachmentCount counts the account's users, groups
// and roles it is attached to; PermissionsPolicy keeps those with some,
// PermissionsBoundary those that are some user's or role's boundary.
func (e *Engine) ListPolicies(ctx context.Context, in ListPoliciesInput) (*PolicyPage, error) {
	var v validation
	validateParams(&v, param{policyScopeShape, optionalString(in.Scope)}, param{policyPathPrefixShape, optionalString(in.PathPrefix)},
		param{policyUsageFilterShape, optionalString(in.PolicyUsageFilter)}, param{maxItemsShape, optionalInt(in.MaxItems)},
		param{markerShape, optionalString(in.Marker)})
	if err := v.err(); err != nil {
		return nil, err
	}
	scope, prefix, usage, maxItems := deref(in.Scope), deref(in.PathPrefix), deref(in.PolicyUsageFilter), pageSize(in.MaxItems)
	if scope == "" {
		scope = PolicyScopeAll
	}
	d, err := e.accountDetails(in.Account)
	if err != nil {
		return nil, err
	}
	var policies []ManagedPolicyDetail
	if d != nil {
		attached, boundaries := d.policyUse()
		for i := range d.Policies {
			p := d.Policies[i].export(attached)
			aws := isAWSManagedPolicyARN(p.Arn)
			switch {
			case scope == PolicyScopeAWS && !aws, scope == PolicyScopeLocal && aws,
				in.OnlyAttached && p.AttachmentCount == 0,
				!strings.HasPrefix(p.Path, prefix),
				usage == PolicyUsagePermissionsPolicy && p.AttachmentCount == 0,
				usage == PolicyUsageBoundary && !boundaries[p.Arn]:
				continue
			}
			p.PolicyVersionList = nil
			policies = append(policies, p)
		}
	}
	filters := strings.Join([]string{scope, boolString(in.OnlyAttached), prefix, usage}, "\x00")
	start, end, page, err := e.pageBounds(markerScopeManaged, in.Account, filters, deref(in.Marker), maxItems, len(policies))
	if err != nil {
		return nil, err
	}
	return &PolicyPage{Policies: policies[start:end:end], Page: page}, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// AccountAuthorizationDetails returns one page of the account's users,
// groups, roles and managed policies, in that order, as AWS pages them:
// MaxItems counts entities of all four lists together.
func (e *Engine) AccountAuthorizationDetails(ctx context.Context, in AccountAuthorizationDetailsInput) (*AccountAuthorizationDetails, error) {
	var v validation
	var filter any // nil: not given
	if in.Filter != nil {
		filter = in.Filter
	}
	validateParams(&v, param{entityFilterShape, filter}, param{maxItemsShape, optionalInt(in.MaxItems)}, param{markerShape, optionalString(in.Marker)})
	if err := v.err(); err != nil {
		return nil, err
	}
	maxItems := pageSize(in.MaxItems)
	want := make(map[string]bool, len(entityFilters))
	for _, f := range in.Filter {
		want[f] = true
	}
	if len(in.Filter) == 0 {
		for _, f := range entityFilters {
			want[f] = true
		}
	}
	d, err := e.accountDetails(in.Account)
	if err != nil {
		return nil, err
	}
	if d == nil {
		d = &authorizationDetails{}
	}
	var policies []int
	for i := range d.Policies {
		kind := EntityFilterLocalManagedPolicy
		if isAWSManagedPolicyARN(d.Policies[i].Arn) {
			kind = EntityFilterAWSManagedPolicy
		}
		if want[kind] {
			policies = append(policies, i)
		}
	}
	counts := [4]int{}
	if want[EntityFilterUser] {
		counts[0] = len(d.UserDetailList)
	}
	if want[EntityFilterGroup] {
		counts[1] = len(d.GroupDetailList)
	}
	if want[EntityFilterRole] {
		counts[2] = len(d.RoleDetailList)
	}
	counts[3] = len(policies)
	n := counts[0] + counts[1] + counts[2] + counts[3]
	var filters []string
	for _, k := range entityFilters {
		if want[k] {
			filters = append(filters, k)
		}
	}
	start, end, page, err := e.pageBounds(markerScopeDetails, in.Account, strings.Join(filters, ","), deref(in.Marker), maxItems, n)
	if err != nil {
		return nil, err
	}
	out := &AccountAuthorizationDetails{UserDetailList: []UserDetail{}, GroupDetailList: []GroupDetail{},
		RoleDetailList: []RoleDetail{}, Policies: []ManagedPolicyDetail{}, Page: page}
	// The page [start, end) of the four lists laid end to end.
	attached, _ := d.policyUse()
	base := 0
	for list, count := range counts {
		from, to := max(start-base, 0), min(end-base, count)
		for i := from; i < to; i++ {
			switch list {
			case 0:
				out.UserDetailList = append(out.UserDetailList, d.UserDetailList[i].export())
			case 1:
				out.GroupDetailList = append(out.GroupDetailList, d.GroupDetailList[i].export())
			case 2:
				out.RoleDetailList = append(out.RoleDetailList, d.RoleDetailList[i].export())
			case 3:
				out.Policies = append(out.Policies, d.Policies[policies[i]].export(attached))
			}
		}
		base += count
	}
	return out, nil
}

// policyUse counts, per managed policy ARN, the account's users, groups
// and roles it is attached to, and marks those that are a boundary.
func (d *authorizationDetails) policyUse() (attached map[string]int, boundaries map[string]bool) {
	attached, boundaries = make(map[string]int), make(map[string]bool)
	count := func(refs []attachedPolicy) {
		for _, r := range refs {
			attached[r.PolicyArn]++
		}
	}
	boundary := func(b *PermissionsBoundary) {
		if b != nil && b.PermissionsBoundaryArn != "" {
			boundaries[b.PermissionsBoundaryArn] = true
		}
	}
	for i := range d.UserDetailList {
		count(d.UserDetailList[i].AttachedManagedPolicies)
		boundary(d.UserDetailList[i].PermissionsBoundary)
	}
	for i := range d.GroupDetailList {
		count(d.GroupDetailList[i].AttachedManagedPolicies)
	}
	for i := range d.RoleDetailList {
		count(d.RoleDetailList[i].AttachedManagedPolicies)
		boundary(d.RoleDetailList[i].PermissionsBoundary)
	}
	return attached, boundaries
}

func exportInline(list []inlinePolicyDetail) []InlinePolicy {
	out := make([]InlinePolicy, len(list))
	for i, p := range list {
		out[i] = InlinePolicy{PolicyName: p.PolicyName, PolicyDocument: documentText(p.PolicyDocument)}
	}
	return out
}

func exportAttached(list []attachedPolicy) []AttachedPolicy {
	out := make([]AttachedPolicy, len(list))
	for i, p := range list {
		out[i] = AttachedPolicy{PolicyName: p.PolicyName, PolicyArn: p.PolicyArn}
	}
	return out
}

func (u *userDetail) export() UserDetail {
	return UserDetail{Path: u.Path, UserName: u.UserName, UserID: u.UserID, Arn: u.Arn, CreateDate: u.CreateDate.timestamp(),
		UserPolicyList: exportInline(u.UserPolicyList), GroupList: append([]string{}, u.GroupList...),
		AttachedManagedPolicies: exportAttached(u.AttachedManagedPolicies), PermissionsBoundary: u.PermissionsBoundary, Tags: u.Tags}
}

func (g *groupDetail) export() GroupDetail {
	return GroupDetail{Path: g.Path, GroupName: g.GroupName, GroupID: g.GroupID, Arn: g.Arn, CreateDate: g.CreateDate.timestamp(),
		GroupPolicyList: exportInline(g.GroupPolicyList), AttachedManagedPolicies: exportAttached(g.AttachedManagedPolicies)}
}

func (r *roleListing) export(path, name, id, arn string) Role {
	out := Role{Path: path, RoleName: name, RoleID: id, Arn: arn, CreateDate: r.CreateDate.timestamp(),
		Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundary: r.PermissionsBoundary, Tags: r.Tags}
	if len(r.AssumeRolePolicyDocument) > 0 {
		out.AssumeRolePolicyDocument = documentText(r.AssumeRolePolicyDocument)
	}
	if r.RoleLastUsed != nil {
		out.RoleLastUsed = &RoleLastUsed{LastUsedDate: r.RoleLastUsed.LastUsedDate.timestamp(), Region: r.RoleLastUsed.Region}
	}
	return out
}

func (r *roleDetail) export() RoleDetail {
	out := RoleDetail{Role: r.roleListing.export(r.Path, r.RoleName, r.RoleID, r.Arn),
		RolePolicyList: exportInline(r.RolePolicyList), AttachedManagedPolicies: exportAttached(r.AttachedManagedPolicies),
		InstanceProfileList: make([]InstanceProfile, len(r.InstanceProfileList))}
	for i, p := range r.InstanceProfileList {
		ip := InstanceProfile{Path: p.Path, InstanceProfileName: p.InstanceProfileName, InstanceProfileID: p.InstanceProfileID,
			Arn: p.Arn, CreateDate: p.CreateDate.timestamp(), Roles: make([]Role, len(p.Roles)), Tags: p.Tags}
		for j := range p.Roles {
			pr := &p.Roles[j]
			ip.Roles[j] = pr.roleListing.export(pr.Path, pr.RoleName, pr.RoleID, pr.Arn)
		}
		out.InstanceProfileList[i] = ip
	}
	return out
}

func (p *managedPolicyDetail) export(attached map[string]int) ManagedPolicyDetail {
	out := ManagedPolicyDetail{PolicyName: p.PolicyName, PolicyID: p.PolicyID, Arn: p.Arn, Path: p.Path, DefaultVersionID: p.DefaultVersionID,
		AttachmentCount: attached[p.Arn], PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount, IsAttachable: p.IsAttachable,
		Description: p.Description, CreateDate: p.CreateDate.timestamp(), UpdateDate: p.UpdateDate.timestamp(),
		PolicyVersionList: make([]PolicyVersion, len(p.PolicyVersionList))}
	for i, v := range p.PolicyVersionList {
		out.PolicyVersionList[i] = PolicyVersion{Document: documentText(v.Document), VersionID: v.VersionID,
			IsDefaultVersion: v.IsDefaultVersion, CreateDate: v.CreateDate.timestamp()}
	}
	return out
}

// documentText is a policy document as JSON text: an object as imported
// (compacted), a string unwrapped from its URL encoding or JSON quoting
// (as policy.ParseText reads it). A value it cannot unwrap is returned as
// given.
func documentText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			return b.String()
		}
		return string(raw)
	}
	var text string
	if json.Unmarshal(raw, &text) != nil {
		return string(raw)
	}
	if unwrapped, err := policy.UnwrapText(text); err == nil {
		return unwrapped
	}
	return text
}
