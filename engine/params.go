package engine

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Sort keys of GetOrganizationsAccessReport.
const (
	SortNamespaceAscending  = "SERVICE_NAMESPACE_ASCENDING"
	SortNamespaceDescending = "SERVICE_NAMESPACE_DESCENDING"
	SortTimeAscending       = "LAST_AUTHENTICATED_TIME_ASCENDING"
	SortTimeDescending      = "LAST_AUTHENTICATED_TIME_DESCENDING"
)

var sortKeys = []string{SortNamespaceAscending, SortNamespaceDescending, SortTimeAscending, SortTimeDescending}

func validateRequired(v *validation, member, value string) bool {
	if value == "" {
		v.problems = append(v.problems, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
		return false
	}
	return true
}

func validateJobID(v *validation, id string) {
	if !validateRequired(v, "jobId", id) {
		return
	}
	switch {
	case len(id) < maxJobIDLength:
		v.add(id, "jobId", "Member must have length greater than or equal to 36")
	case len(id) > maxJobIDLength:
		v.add(id, "jobId", "Member must have length less than or equal to 36")
	}
}

// resolveMaxItems validates MaxItems (1–1000) and applies the default.
func resolveMaxItems(v *validation, maxItems *int) int {
	if maxItems == nil {
		return defaultMaxItems
	}
	switch {
	case *maxItems < 1:
		v.add(*maxItems, "maxItems", "Member must have value greater than or equal to 1")
	case *maxItems > maxMaxItems:
		v.add(*maxItems, "maxItems", "Member must have value less than or equal to 1000")
	}
	return *maxItems
}

func validateMarker(v *validation, marker string) {
	if marker == "" {
		return
	}
	if len(marker) > maxMarkerLength {
		v.add(marker, "marker", "Member must have length less than or equal to 320")
	}
	for _, r := range marker {
		if r < 0x20 || r > 0xff {
			v.add(marker, "marker", `Member must satisfy regular expression pattern: [\u0020-\u00FF]+`)
			break
		}
	}
}

func resolveSortKey(v *validation, key string) string {
	if key == "" {
		return SortNamespaceAscending
	}
	for _, k := range sortKeys {
		if k == key {
			return key
		}
	}
	v.add(key, "sortKey", "Member must satisfy enum value set: ["+strings.Join(sortKeys, ", ")+"]")
	return key
}

func validatePolicyID(v *validation, id string) {
	if id == "" {
		return
	}
	if !policyIDPattern.MatchString(id) {
		v.add(id, "organizationsPolicyId", "Member must satisfy regular expression pattern: ^p-[0-9a-zA-Z_]{8,128}$")
	}
}

// validatePathPrefix checks ListUsers', ListGroups' and ListRoles'
// PathPrefix: 1–512 characters, "/" then printable ASCII.
func validatePathPrefix(v *validation, prefix string) {
	if prefix == "" {
		return
	}
	switch {
	case len(prefix) > 512:
		v.add(truncateForMessage(prefix), "pathPrefix", "Member must have length less than or equal to 512")
	case !pathPrefixPattern.MatchString(prefix):
		v.add(truncateForMessage(prefix), "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
}

// validatePolicyPathPrefix checks ListPolicies' PathPrefix: a policy path.
func validatePolicyPathPrefix(v *validation, prefix string) {
	if prefix == "" {
		return
	}
	switch {
	case len(prefix) > 512:
		v.add(truncateForMessage(prefix), "pathPrefix", "Member must have length less than or equal to 512")
	case !policyPathPattern.MatchString(prefix):
		v.add(truncateForMessage(prefix), "pathPrefix", `Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
	}
}

var (
	pathPrefixPattern = regexp.MustCompile(`^/[\x21-\x7f]*$`)
	policyPathPattern = regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`)
)

var policyScopes = []string{PolicyScopeAll, PolicyScopeAWS, PolicyScopeLocal}

func resolvePolicyScope(v *validation, scope string) string {
	if scope == "" {
		return PolicyScopeAll
	}
	if !slices.Contains(policyScopes, scope) {
		v.add(scope, "scope", "Member must satisfy enum value set: ["+strings.Join(policyScopes, ", ")+"]")
	}
	return scope
}

var policyUsageFilters = []string{PolicyUsagePermissionsPolicy, PolicyUsageBoundary}

func validatePolicyUsageFilter(v *validation, filter string) {
	if filter != "" && !slices.Contains(policyUsageFilters, filter) {
		v.add(filter, "policyUsageFilter", "Member must satisfy enum value set: ["+strings.Join(policyUsageFilters, ", ")+"]")
	}
}

// entityFilters are GetAccountAuthorizationDetails' entity types, in the
// model's order.
var entityFilters = []string{EntityFilterUser, EntityFilterRole, EntityFilterGroup, EntityFilterLocalManagedPolicy, EntityFilterAWSManagedPolicy}

// resolveEntityFilter validates a Filter list and returns the entity types
// it keeps (all of them for an empty list).
func resolveEntityFilter(v *validation, filter []string) map[string]bool {
	want := make(map[string]bool, len(entityFilters))
	for i, f := range filter {
		if !slices.Contains(entityFilters, f) {
			v.add(f, fmt.Sprintf("filter.%d.member", i+1), "Member must satisfy enum value set: ["+strings.Join(entityFilters, ", ")+"]")
			continue
		}
		want[f] = true
	}
	if len(filter) == 0 {
		for _, f := range entityFilters {
			want[f] = true
		}
	}
	return want
}
