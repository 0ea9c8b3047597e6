package engine

import "time"

// PrincipalType is the CloudTrail userIdentity.type of a counted access.
type PrincipalType uint8

const (
	PrincipalUnknown PrincipalType = iota
	PrincipalIAMUser
	PrincipalAssumedRole
	PrincipalRoot
	PrincipalFederatedUser
)

var principalTypeNames = [...]string{"", "IAMUser", "AssumedRole", "Root", "FederatedUser"}

func (t PrincipalType) String() string {
	if int(t) < len(principalTypeNames) {
		return principalTypeNames[t]
	}
	return ""
}

// ParsePrincipalType maps a CloudTrail userIdentity.type to a counted
// principal type; ok is false for identity types that are not counted.
func ParsePrincipalType(s string) (PrincipalType, bool) {
	for i, n := range principalTypeNames {
		if i > 0 && n == s {
			return PrincipalType(i), true
		}
	}
	return PrincipalUnknown, false
}

// Event is one normalized access event: a CloudTrail record of an
// authenticated call that counts for last accessed information (SPEC §2).
// Ingest produces it, the engine folds it into rollups, storage keeps it.
type Event struct {
	// ID is the CloudTrail eventID, or for a record without one (eventVersion
	// 1.0) an ID derived from its content. A record's identity is
	// (AccountID, EventSource, Time, ID).
	ID            string
	Time          int64  // eventTime, Unix nanoseconds UTC
	AccountID     string // userIdentity.accountId (the caller's account)
	PrincipalARN  string // IAM user, role (session issuer) or account root ARN
	PrincipalType PrincipalType
	EventSource   string // as recorded, e.g. "s3.amazonaws.com"
	EventName     string // as recorded, e.g. "ListFunctions20150331"
	Namespace     string // service namespace from the catalog, e.g. "lambda"
	Action        string // IAM action name, e.g. "ListFunctions"
	Region        string // awsRegion
	ErrorCode     string // empty for a successful call
	// ServiceLinked marks a service-linked role (path /aws-service-role/):
	// stored, but left out of Organizations reports.
	ServiceLinked bool
	// DataEvent marks eventCategory "Data". Action-level last accessed
	// information covers management events only.
	DataEvent bool
}

// EventTime returns Time as a UTC time.Time.
func (e *Event) EventTime() time.Time { return time.Unix(0, e.Time).UTC() }

// AppendResult counts what one Append stored.
type AppendResult struct {
	Ingested   int // events stored for the first time
	Duplicates int // events whose identity was already stored (or repeated in the call)
}
