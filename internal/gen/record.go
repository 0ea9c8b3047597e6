package gen

import (
	"strconv"
	"time"
)

// Kind says whether a record counts as an access (SPEC §2) and, if not, why.
type Kind uint8

const (
	// KindCounted is an access: an AwsApiCall (Management or Data) by an
	// IAMUser, AssumedRole, Root or FederatedUser identity, successful,
	// denied (AccessDenied) or made by a service for the principal
	// (invokedBy).
	KindCounted Kind = iota
	// KindAWSService: userIdentity.type AWSService (a service calling with
	// its own credentials, invokedBy set).
	KindAWSService
	// KindAWSAccount: userIdentity.type AWSAccount, the resource owner's
	// copy of a cross-account call.
	KindAWSAccount
	// KindSAMLUser: AssumeRoleWithSAML by a SAMLUser identity.
	KindSAMLUser
	// KindWebIdentityUser: AssumeRoleWithWebIdentity by a WebIdentityUser.
	KindWebIdentityUser
	// KindConsoleSignIn: eventType AwsConsoleSignIn (ConsoleLogin) by an
	// IAM user or the root.
	KindConsoleSignIn
	// KindServiceEvent: eventType AwsServiceEvent.
	KindServiceEvent
	// KindAuthFailure: a call by a counted identity type that failed
	// authentication (errorCode InvalidClientTokenId, SignatureDoesNotMatch, …).
	KindAuthFailure
	// KindNetworkActivity: eventCategory NetworkActivity (eventType
	// AwsVpceEvent) by a counted identity type.
	KindNetworkActivity

	numKinds
)

var kindNames = [numKinds]string{"Counted", "AWSService", "AWSAccount", "SAMLUser", "WebIdentityUser", "AwsConsoleSignIn", "AwsServiceEvent", "AuthFailure", "NetworkActivity"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Kinds lists every Kind, KindCounted first.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// Record is one generated CloudTrail record. The exported fields summarize
// it for tests; AppendJSON renders the full CloudTrail JSON.
type Record struct {
	Kind Kind
	// Duplicate marks a repeated copy of an earlier record of the export
	// (same bytes, same eventID). Only counted records are repeated.
	Duplicate bool
	// File is the log file holding the record, relative to the export
	// directory, slash-separated.
	File    string
	EventID string
	Time    time.Time // eventTime, whole seconds, UTC
	// Namespace is the catalog namespace of EventSource for the records of
	// catalog services; for other records the host's first label.
	Namespace   string
	EventSource string
	EventName   string
	Region      string
	// IdentityType is userIdentity.type ("" for AwsServiceEvent records).
	IdentityType string
	// AccountID is userIdentity.accountId ("" when absent).
	AccountID          string
	RecipientAccountID string
	// PrincipalARN is the principal of SPEC §2 for the counted identity
	// types: the IAM user ARN, the role ARN with its path (the session
	// issuer of an AssumedRole), the account root ARN, or the
	// federated-user ARN.
	PrincipalARN string
	ErrorCode    string
	InvokedBy    string
	// ServiceLinked marks a call by a service-linked role (role path
	// /aws-service-role/).
	ServiceLinked bool
	// Data marks eventCategory Data.
	Data bool

	// Rendering state.
	unix      int64
	p         *principal
	session   string
	keySeed   uint64 // derives the session access key and other opaque values
	requestID [16]byte
	sessionAt int64
	ver       string
	category  string // "" in legacy (1.05) records
	eventType string
	readOnly  bool
	errorMsg  string
	resource  string // a resource name of the account
	other     string // AWSAccount: caller account; SAML/web identity: subject
	ip, ua    string
	tmpl      template
}

// template selects the requestParameters/responseElements shape.
type template uint8

const (
	tmplNone template = iota
	tmplList
	tmplGet
	tmplCreate
	tmplDelete
	tmplAssumeRole
	tmplS3
	tmplSAML
	tmplWebIdentity
	tmplConsoleLogin
	tmplServiceEvent
)
