package engine

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The parameters of the six report operations, with the constraints of
// the IAM API's model (botocore/data/iam/2010-05-08/service-2.json): the
// one place every frontend's validation comes from. The engine checks
// them all and words a violation as AWS does (ValidationError); the CLI
// checks the subset the AWS CLI checks before sending (required members,
// minimum lengths and values) and words it as botocore does.
//
// Given and absent differ: an optional member is a pointer (nil: not
// given) and an empty string is a value like any other, so
// --organizations-policy-id "" fails the pattern instead of meaning "no
// policy". A required member is a plain string: empty is reported as
// null, since every frontend refuses an absent required member before
// the engine sees it (the CLI's argument parser, SQL's argument count).

// Sort keys of GetOrganizationsAccessReport.
const (
	SortNamespaceAscending  = "SERVICE_NAMESPACE_ASCENDING"
	SortNamespaceDescending = "SERVICE_NAMESPACE_DESCENDING"
	SortTimeAscending       = "LAST_AUTHENTICATED_TIME_ASCENDING"
	SortTimeDescending      = "LAST_AUTHENTICATED_TIME_DESCENDING"
)

var sortKeys = []string{SortNamespaceAscending, SortNamespaceDescending, SortTimeAscending, SortTimeDescending}

// Shape is one input member of an operation and its constraints.
type Shape struct {
	Member   string // the API's name, e.g. "JobId"
	Type     string // "string", "integer" or "list" (of strings)
	Required bool
	// Min and Max bound a string's or list's length, an integer's value;
	// HasMin/HasMax say whether the model sets them.
	Min, Max       int
	HasMin, HasMax bool
	// Pattern is the model's regular expression as AWS quotes it; match
	// applies it as AWS does.
	Pattern string
	match   func(string) bool
	Enum    []string
	Item    *Shape // a list's members
	// Doc is one line for the CLI's help.
	Doc string
}

// wireName is the member as AWS's validation messages name it (jobId).
func (s *Shape) wireName() string {
	return strings.ToLower(s.Member[:1]) + s.Member[1:]
}

// The model's bounds of MaxItems and Marker, and the page when MaxItems
// is not given.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
	maxMarkerLength = 320
)

var (
	entityPathShape = &Shape{Member: "EntityPath", Type: "string", Required: true, Min: 19, Max: 427, HasMin: true, HasMax: true,
		// AWS anchors this pattern only at the start.
		Pattern: `^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`, match: regexp.MustCompile(`^o-[0-9a-z]{10,32}/r-[0-9a-z]{4,32}[0-9a-z-/]*`).MatchString,
		Doc: "the path of the root, OU or account (o-…/r-…[/ou-…]…[/ACCOUNT])"}
	policyIDShape = &Shape{Member: "OrganizationsPolicyId", Type: "string",
		Pattern: `^p-[0-9a-zA-Z_]{8,128}$`, match: policyIDPattern.MatchString,
		Doc: "an SCP: report only the services it allows, for the accounts it applies to"}
	jobIDShape    = &Shape{Member: "JobId", Type: "string", Required: true, Min: 36, Max: 36, HasMin: true, HasMax: true, Doc: "the job id a Generate returned"}
	maxItemsShape = &Shape{Member: "MaxItems", Type: "integer", Min: 1, Max: maxMaxItems, HasMin: true, HasMax: true, Doc: "items per page, 1-1000 (default 100)"}
	markerShape   = &Shape{Member: "Marker", Type: "string", Min: 1, Max: maxMarkerLength, HasMin: true, HasMax: true,
		Pattern: `[\u0020-\u00FF]+`, match: latin1Printable,
		Doc: "the Marker of the previous page"}
	sortKeyShape     = &Shape{Member: "SortKey", Type: "string", Enum: sortKeys, Doc: "order of AccessDetails (default SERVICE_NAMESPACE_ASCENDING)"}
	arnShape         = &Shape{Member: "Arn", Type: "string", Required: true, Min: minARNLength, Max: maxARNLength, HasMin: true, HasMax: true, Doc: "the ARN of an IAM user, group, role or managed policy"}
	granularityShape = &Shape{Member: "Granularity", Type: "string", Enum: granularities, Doc: "SERVICE_LEVEL (default) or ACTION_LEVEL"}
	namespaceShape   = &Shape{Member: "ServiceNamespace", Type: "string", Required: true, Min: 1, Max: 64, HasMin: true, HasMax: true,
		Pattern: `[\w-]*`, match: regexp.MustCompile(`^[\w-]*$`).MatchString,
		Doc: "a service namespace, e.g. s3"}
	namespacesShape = &Shape{Member: "ServiceNamespaces", Type: "list", Required: true, Min: 1, Max: maxServiceNamespaces, HasMin: true, HasMax: true,
		Item: namespaceShape, Doc: "one or more service namespaces, e.g. s3 iam"}
	listArnShape = &Shape{Member: "Arn", Type: "string", Required: true, Min: minARNLength, Max: maxARNLength, HasMin: true, HasMax: true, Doc: "the ARN of an IAM user, group or role"}
)

func latin1Printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0xff {
			return false
		}
	}
	return s != ""
}

// Operation names, as AWS names them.
const (
	OpGenerateOrganizationsAccessReport         = "GenerateOrganizationsAccessReport"
	OpGetOrganizationsAccessReport              = "GetOrganizationsAccessReport"
	OpGenerateServiceLastAccessedDetails        = "GenerateServiceLastAccessedDetails"
	OpGetServiceLastAccessedDetails             = "GetServiceLastAccessedDetails"
	OpGetServiceLastAccessedDetailsWithEntities = "GetServiceLastAccessedDetailsWithEntities"
	OpListPoliciesGrantingServiceAccess         = "ListPoliciesGrantingServiceAccess"
)

// operationInputs lists each operation's members in the model's order.
var operationInputs = map[string][]*Shape{
	OpGenerateOrganizationsAccessReport:         {entityPathShape, policyIDShape},
	OpGetOrganizationsAccessReport:              {jobIDShape, maxItemsShape, markerShape, sortKeyShape},
	OpGenerateServiceLastAccessedDetails:        {arnShape, granularityShape},
	OpGetServiceLastAccessedDetails:             {jobIDShape, maxItemsShape, markerShape},
	OpGetServiceLastAccessedDetailsWithEntities: {jobIDShape, namespaceShape, maxItemsShape, markerShape},
	OpListPoliciesGrantingServiceAccess:         {markerShape, listArnShape, namespacesShape},
}

// InputShapes returns an operation's input members in the model's order;
// nil for an unknown operation.
func InputShapes(op string) []*Shape {
	return operationInputs[op]
}

// param is one member's value in a request: nil when not given, else a
// string, an int or a []string.
type param struct {
	shape *Shape
	value any
}

func optionalString(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

func optionalInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// requiredString: an empty required member counts as not given.
func requiredString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// validateParams checks every member against its shape, in order, the
// way AWS reports violations: each broken constraint of each member.
func validateParams(v *validation, params ...param) {
	for _, p := range params {
		validateParam(v, p.shape, p.shape.wireName(), p.value)
	}
}

func validateParam(v *validation, s *Shape, member string, value any) {
	if value == nil {
		if s.Required {
			v.problems = append(v.problems, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", member))
		}
		return
	}
	switch x := value.(type) {
	case int:
		if s.HasMin && x < s.Min {
			v.add(x, member, fmt.Sprintf("Member must have value greater than or equal to %d", s.Min))
		}
		if s.HasMax && x > s.Max {
			v.add(x, member, fmt.Sprintf("Member must have value less than or equal to %d", s.Max))
		}
	case string:
		shown := truncateForMessage(x)
		n := utf8.RuneCountInString(x)
		if s.HasMin && n < s.Min {
			v.add(shown, member, fmt.Sprintf("Member must have length greater than or equal to %d", s.Min))
		}
		if s.HasMax && n > s.Max {
			v.add(shown, member, fmt.Sprintf("Member must have length less than or equal to %d", s.Max))
		}
		if s.match != nil && !s.match(x) {
			v.add(shown, member, "Member must satisfy regular expression pattern: "+s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, x) {
			v.add(shown, member, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
		}
	case []string:
		n := len(x)
		shown := truncateForMessage("[" + strings.Join(x, ", ") + "]")
		if s.HasMin && n < s.Min {
			v.add(shown, member, fmt.Sprintf("Member must have length greater than or equal to %d", s.Min))
		}
		if s.HasMax && n > s.Max {
			v.add(shown, member, fmt.Sprintf("Member must have length less than or equal to %d", s.Max))
			return
		}
		for i, item := range x {
			validateParam(v, s.Item, fmt.Sprintf("%s.%d.member", member, i+1), item)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// String returns a pointer to s: a given optional member.
func String(s string) *string { return &s }

// OptionalString is s as an optional member for callers whose own empty
// string means "not given" (tests, generated workloads): nil when empty.
func OptionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// pageSize is MaxItems, or the default page when not given.
func pageSize(maxItems *int) int {
	if maxItems == nil {
		return defaultMaxItems
	}
	return *maxItems
}

// The listings of the caller's account (iam_listing.go): their members
// beyond MaxItems and Marker, as the model constrains them.
var (
	pathPrefixShape = &Shape{Member: "PathPrefix", Type: "string", Min: 1, Max: 512, HasMin: true, HasMax: true,
		Pattern: `\u002F[\u0021-\u007F]*`, match: regexp.MustCompile(`^/[\x21-\x7f]*$`).MatchString}
	policyPathPrefixShape = &Shape{Member: "PathPrefix", Type: "string", Min: 1, Max: 512, HasMin: true, HasMax: true,
		Pattern: `((/[A-Za-z0-9\.,\+@=_-]+)*)/`, match: regexp.MustCompile(`^((/[A-Za-z0-9.,+@=_-]+)*)/$`).MatchString}
	policyScopeShape       = &Shape{Member: "Scope", Type: "string", Enum: []string{PolicyScopeAll, PolicyScopeAWS, PolicyScopeLocal}}
	policyUsageFilterShape = &Shape{Member: "PolicyUsageFilter", Type: "string", Enum: []string{PolicyUsagePermissionsPolicy, PolicyUsageBoundary}}
	entityFilterShape      = &Shape{Member: "Filter", Type: "list", Item: &Shape{Member: "EntityType", Type: "string", Enum: entityFilters}}
)

// entityFilters are GetAccountAuthorizationDetails' entity types, in the
// model's order.
var entityFilters = []string{EntityFilterUser, EntityFilterRole, EntityFilterGroup, EntityFilterLocalManagedPolicy, EntityFilterAWSManagedPolicy}
