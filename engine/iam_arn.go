package engine

import (
	"fmt"
	"strings"
)

// ARNs of IAM entities: arn:PARTITION:iam::ACCOUNT:TYPE/PATH/NAME, e.g.
// arn:aws:iam::123456789012:user/division/alice (path "/division/",
// name "alice") or arn:aws:iam::aws:policy/ReadOnlyAccess (an AWS managed
// policy: account "aws").

// Length constraints of the API's arnType.
const (
	minARNLength = 20
	maxARNLength = 2048
)

// arnParts is an ARN split into its fields; for IAM resources of the form
// TYPE/PATH/NAME also typ, path and name.
type arnParts struct {
	partition, service, region, account, resource string
	typ, path, name                               string
}

// parseARNParts splits an ARN; ok is false when it does not have the six
// fields of an ARN or its partition is not an AWS partition.
func parseARNParts(s string) (arnParts, bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || !validPartition(f[1]) || f[2] == "" || f[5] == "" {
		return arnParts{}, false
	}
	a := arnParts{partition: f[1], service: f[2], region: f[3], account: f[4], resource: f[5]}
	typ, rest, found := strings.Cut(a.resource, "/")
	a.typ = typ
	if found {
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			a.path, a.name = "/"+rest[:i+1], rest[i+1:]
		} else {
			a.path, a.name = "/", rest
		}
	}
	return a, true
}

// validPartition accepts aws, aws-cn, aws-us-gov, aws-iso-b and the like.
func validPartition(p string) bool {
	if !strings.HasPrefix(p, "aws") {
		return false
	}
	for _, part := range strings.Split(p[3:], "-")[1:] {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			if c := part[i]; c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return p == "aws" || strings.HasPrefix(p, "aws-")
}

// IsAccountID reports whether s is an AWS account id: 12 digits. It is
// the one check of them: ARNs, organization snapshots, entity paths,
// CloudTrail records and the AWS API's keys use it.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAWSManagedPolicyARN: arn:PARTITION:iam::aws:policy/...
func isAWSManagedPolicyARN(s string) bool {
	a, ok := parseARNParts(s)
	return ok && a.service == "iam" && a.account == "aws" && a.typ == "policy"
}

// validIAMName checks a user, group, role or policy name: 1–128 of
// letters, digits and +=,.@_-.
func validIAMName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
			return false
		}
	}
	return true
}

// validIAMPath checks a path: "/" or "/…/" of printable ASCII, at most
// 512 characters.
func validIAMPath(p string) bool {
	if len(p) == 0 || len(p) > 512 || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7e {
			return false
		}
	}
	return !strings.Contains(p, "//")
}

// Entity kinds an entity ARN can name.
const (
	arnUser   = "user"
	arnGroup  = "group"
	arnRole   = "role"
	arnPolicy = "policy"
)

// entityARN is a well-formed ARN of a user, group, role or managed policy.
type entityARN struct {
	arnParts
	raw string
}

func (a entityARN) awsManaged() bool { return a.typ == arnPolicy && a.account == "aws" }

// parseEntityARN reads an ARN that passed the API's length constraints. A string that is not
// an IAM ARN is InvalidInput; so is the ARN of an IAM resource without
// last accessed information (the account root, an instance profile, an
// assumed-role session, …). kinds lists the entity kinds the operation
// takes.
func parseEntityARN(arn string, kinds ...string) (entityARN, error) {
	a, ok := parseARNParts(arn)
	if !ok {
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not valid: want arn:PARTITION:iam::ACCOUNT:TYPE/NAME.", truncateForMessage(arn))
	}
	what := "user, group, role or managed policy"
	if len(kinds) == 3 {
		what = "user, group or role"
	}
	if a.service != "iam" {
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not an IAM %s ARN: last accessed information covers IAM users, groups, roles and managed policies.", truncateForMessage(arn), what)
	}
	if a.region != "" {
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not valid: IAM ARNs have no region.", truncateForMessage(arn))
	}
	known := false
	for _, k := range kinds {
		known = known || a.typ == k
	}
	if !known {
		kind := a.typ
		if kind == "" || a.path == "" {
			kind = a.resource
		}
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s names an IAM %s, which has no report: the ARN must be that of an IAM %s.", truncateForMessage(arn), kindForMessage(kind), what)
	}
	switch {
	case a.account == "aws" && a.typ != arnPolicy:
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not valid: only policies belong to the account \"aws\".", truncateForMessage(arn))
	case a.account != "aws" && !IsAccountID(a.account):
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not valid: the account id must be 12 digits.", truncateForMessage(arn))
	case a.path == "" || !validIAMPath(a.path):
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not valid: the %s path must be / or /PATH/.", truncateForMessage(arn), a.typ)
	case !validIAMName(a.name):
		return entityARN{}, errorf(CodeInvalidInput, "ARN %s is not valid: %q is not a valid %s name.", truncateForMessage(arn), a.name, a.typ)
	}
	return entityARN{arnParts: a, raw: arn}, nil
}

func kindForMessage(resource string) string {
	switch {
	case resource == "root":
		return "account root user"
	case resource == "":
		return "resource"
	}
	if len(resource) > 40 {
		resource = resource[:40] + "…"
	}
	return fmt.Sprintf("resource of type %q", resource)
}

// noSuchEntity words the NoSuchEntity error for an entity ARN as IAM does,
// with a hint when the account's authorization details were never
// imported.
func noSuchEntity(a entityARN, st *iamState) error {
	var msg string
	switch a.typ {
	case arnPolicy:
		msg = fmt.Sprintf("Policy %s does not exist or is not attachable.", a.raw)
	default:
		msg = fmt.Sprintf("The %s with name %s cannot be found.", a.typ, a.name)
	}
	if a.account != "aws" && (st == nil || !st.hasAccount(a.account)) {
		msg += fmt.Sprintf(" No IAM authorization details are imported for account %s; import them with `lastaccess iam import FILE`.", a.account)
	}
	return &Error{Code: CodeNoSuchEntity, Message: msg}
}
