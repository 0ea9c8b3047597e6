package ingest

import (
	"strings"
	"time"
	"unicode/utf8"

	"lastaccess/engine"
	"lastaccess/engine/catalog"
)

// SkipReason says why a well-formed record is not an access event (SPEC §2).
// Its string is stable: the summary, the CLI and SQL print it. Reasons that
// name a CloudTrail value (an identity type, an event type, a category) are
// built from that value, one reason per value; the constants below are the
// ones the SPEC names.
type SkipReason string

// Skip reasons. Identity types that are not counted give
// "identityType:<type>", event types other than AwsApiCall give
// "eventType:<type>", categories other than Management and Data give
// "eventCategory:<category>".
const (
	SkipAWSService         SkipReason = "identityType:AWSService"
	SkipAWSAccount         SkipReason = "identityType:AWSAccount"
	SkipUnknownIdentity    SkipReason = "identityType:Unknown"
	SkipSAMLUser           SkipReason = "identityType:SAMLUser"
	SkipWebIdentityUser    SkipReason = "identityType:WebIdentityUser"
	SkipDirectory          SkipReason = "identityType:Directory"
	SkipIdentityCenterUser SkipReason = "identityType:IdentityCenterUser"
	// SkipMissingIdentityType: userIdentity has no type.
	SkipMissingIdentityType SkipReason = "identityType:(missing)"

	SkipConsoleSignIn   SkipReason = "eventType:AwsConsoleSignIn"
	SkipServiceEvent    SkipReason = "eventType:AwsServiceEvent"
	SkipConsoleAction   SkipReason = "eventType:AwsConsoleAction"
	SkipInsightEvent    SkipReason = "eventType:AwsCloudTrailInsight"
	SkipVpceEvent       SkipReason = "eventType:AwsVpceEvent"
	SkipInsight         SkipReason = "eventCategory:Insight"
	SkipNetworkActivity SkipReason = "eventCategory:NetworkActivity"

	// SkipFailedAuthentication: errorCode says the caller was never
	// authenticated (InvalidClientTokenId, SignatureDoesNotMatch, …).
	SkipFailedAuthentication SkipReason = "failedAuthentication"
	// SkipMissingAccountID: a counted identity type without
	// userIdentity.accountId.
	SkipMissingAccountID SkipReason = "missingAccountId"
)

func (r SkipReason) String() string { return string(r) }

// maxReasonValue bounds the CloudTrail value a reason carries, so that
// hostile input cannot make the summary large.
const maxReasonValue = 64

// reasonFor builds prefix + value, with a value that is not a plain
// identifier replaced by "(invalid)".
func reasonFor(prefix, value string) SkipReason {
	if value == "" {
		return SkipReason(prefix + "(missing)")
	}
	if len(value) > maxReasonValue {
		return SkipReason(prefix + "(invalid)")
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return SkipReason(prefix + "(invalid)")
		}
	}
	return SkipReason(prefix + value)
}

// FailedAuthenticationCodes are the errorCodes of calls that were never
// authenticated (SPEC §2): they are not accesses. EC2 writes them with a
// "Client." or "Server." prefix (Client.AuthFailure), which
// FailedAuthenticationPrefixes lists. This is the one table of them:
// classification reads it, and so should anything that filters on it.
var FailedAuthenticationCodes = [...]string{
	"AuthFailure",
	"ExpiredToken",
	"ExpiredTokenException",
	"IncompleteSignature",
	"InvalidClientTokenId",
	"InvalidSignatureException",
	"MissingAuthenticationToken",
	"SignatureDoesNotMatch",
	"UnrecognizedClientException",
}

// FailedAuthenticationPrefixes may precede a FailedAuthenticationCodes
// entry (EC2's error codes).
var FailedAuthenticationPrefixes = [...]string{"Client.", "Server."}

var failedAuthenticationCodes = func() map[string]bool {
	m := make(map[string]bool, len(FailedAuthenticationCodes))
	for _, c := range FailedAuthenticationCodes {
		m[c] = true
	}
	return m
}()

// IsFailedAuthentication says whether errorCode is a failed
// authentication: one of FailedAuthenticationCodes, bare or after one of
// FailedAuthenticationPrefixes. The match is exact (AWS's codes are
// case-sensitive).
func IsFailedAuthentication(errorCode string) bool {
	if failedAuthenticationCodes[errorCode] {
		return true
	}
	for _, p := range FailedAuthenticationPrefixes {
		if rest, ok := strings.CutPrefix(errorCode, p); ok && failedAuthenticationCodes[rest] {
			return true
		}
	}
	return false
}

// maxFieldLen bounds every stored string (an ARN is at most 2048 bytes).
const maxFieldLen = 2048

// normalizer turns decoded records into events. It caches catalog lookups;
// one normalizer belongs to one goroutine.
type normalizer struct {
	cat     *catalog.Catalog
	sources map[string]sourceInfo // eventSource -> namespace
	actions map[actionKey]string  // (namespace, eventName) -> action
	// cache interns field values that passed checkText: most values repeat
	// from record to record, and one lookup both validates and shares them.
	cache map[string]string
	// principals caches principalARN's answers for the ARNs that repeat:
	// an IAM user's, a role session's issuer.
	principals map[principalKey]principalInfo
}

type principalKey struct {
	t   engine.PrincipalType // an ARN valid for one type is not for another
	arn string
}

type principalInfo struct {
	arn           string
	serviceLinked bool
}

type sourceInfo struct {
	namespace string
	known     bool
}

type actionKey struct{ namespace, eventName string }

func newNormalizer(cat *catalog.Catalog) *normalizer {
	return &normalizer{
		cat:        cat,
		sources:    make(map[string]sourceInfo),
		actions:    make(map[actionKey]string),
		principals: make(map[principalKey]principalInfo),
	}
}

// outcome is what one record became: exactly one of event (ok), skip or
// problem is set.
type outcome struct {
	ok            bool
	event         engine.Event
	skip          SkipReason
	problem       *fieldProblem
	unknownSource string // set with ok when the event source is not in the catalog
	// contentID is set with ok when the record has no eventID: the event's
	// ID is then derived from the raw record (ContentEventID).
	contentID bool
}

// normalize classifies r per SPEC §2 and builds its event.
//
// Order: the record's category and type first (an Insights record has no
// userIdentity), then the identity, failed authentication, the account, and
// only for a counted record the fields an event needs. A skipped record is
// never an error for lacking eventTime and the like; a counted record
// without eventID gets its ID from its content (outcome.contentID).
func (n *normalizer) normalize(r *record) outcome {
	switch r.EventCategory {
	case "", "Management", "Data":
	default:
		return outcome{skip: reasonFor("eventCategory:", r.EventCategory)}
	}
	if r.EventType != "" && r.EventType != "AwsApiCall" {
		return outcome{skip: reasonFor("eventType:", r.EventType)}
	}
	id := r.UserIdentity
	if id == nil {
		return outcome{problem: problemf("userIdentity", "missing")}
	}
	ptype, counted := engine.ParsePrincipalType(id.Type)
	if !counted {
		if id.Type == "" {
			return outcome{skip: SkipMissingIdentityType}
		}
		return outcome{skip: reasonFor("identityType:", id.Type)}
	}
	if r.ErrorCode != "" && IsFailedAuthentication(r.ErrorCode) {
		return outcome{skip: SkipFailedAuthentication}
	}
	if id.AccountID == "" {
		return outcome{skip: SkipMissingAccountID}
	}

	// A counted record: every field of the event must be there and sane,
	// but for eventID, which records of eventVersion 1.0 lack: their
	// content identifies them.
	if p := checkText("eventID", r.EventID, false); p != nil {
		return outcome{problem: p}
	}
	if p := checkText("eventTime", r.EventTime, true); p != nil {
		return outcome{problem: p}
	}
	var ev engine.Event
	for _, f := range [...]struct {
		name     string
		value    string
		dst      *string
		required bool
	}{
		{"eventSource", r.EventSource, &ev.EventSource, true},
		{"eventName", r.EventName, &ev.EventName, true},
		{"awsRegion", r.AwsRegion, &ev.Region, true},
		{"userIdentity.accountId", id.AccountID, &ev.AccountID, true},
		{"errorCode", r.ErrorCode, &ev.ErrorCode, false},
	} {
		v, p := n.text(f.name, f.value, f.required)
		if p != nil {
			return outcome{problem: p}
		}
		*f.dst = v
	}
	if !engine.IsAccountID(ev.AccountID) {
		return outcome{problem: problemf("userIdentity.accountId", "want 12 digits, got %q", ev.AccountID)}
	}
	t, p := parseEventTime(r.EventTime)
	if p != nil {
		return outcome{problem: p}
	}
	principal, p := n.principal(ptype, id)
	if p != nil {
		return outcome{problem: p}
	}
	src, p := n.source(ev.EventSource)
	if p != nil {
		return outcome{problem: p}
	}
	out := outcome{ok: true, contentID: r.EventID == ""}
	if !src.known {
		out.unknownSource = ev.EventSource
	}
	ev.ID = strings.Clone(r.EventID)
	ev.Time = t
	ev.PrincipalARN = principal.arn
	ev.PrincipalType = ptype
	ev.Namespace = src.namespace
	ev.Action = n.action(src.namespace, ev.EventName)
	ev.ServiceLinked = principal.serviceLinked
	ev.DataEvent = r.EventCategory == "Data" || r.EventCategory == "" && r.ManagementEvent != nil && !*r.ManagementEvent
	out.event = ev
	return out
}

// text checks a field's value (checkText) and returns its interned copy;
// a value seen before was checked then.
func (n *normalizer) text(field, s string, required bool) (string, *fieldProblem) {
	if s == "" {
		return "", checkText(field, s, required)
	}
	if v, ok := n.cache[s]; ok {
		return v, nil
	}
	if p := checkText(field, s, required); p != nil {
		return "", p
	}
	return n.intern(s), nil
}

// principal is principalARN with the answers for repeating ARNs cached.
func (n *normalizer) principal(t engine.PrincipalType, id *identity) (principalInfo, *fieldProblem) {
	key := principalKey{t: t}
	switch {
	case t == engine.PrincipalIAMUser:
		key.arn = id.ARN
	case t == engine.PrincipalAssumedRole && id.SessionContext != nil && id.SessionContext.SessionIssuer != nil:
		key.arn = id.SessionContext.SessionIssuer.ARN
	}
	if key.arn != "" {
		if v, ok := n.principals[key]; ok {
			return v, nil
		}
	}
	arn, serviceLinked, p := principalARN(t, id)
	if p != nil {
		return principalInfo{}, p
	}
	v := principalInfo{arn: n.intern(arn), serviceLinked: serviceLinked}
	if key.arn != "" {
		if len(n.principals) >= 1<<12 {
			clear(n.principals)
		}
		key.arn = strings.Clone(key.arn)
		n.principals[key] = v
	}
	return v, nil
}

// intern returns a shared copy of s: the decoded record is garbage once the
// event is built, and most values repeat within a file.
func (n *normalizer) intern(s string) string {
	if s == "" {
		return ""
	}
	if n.cache == nil {
		n.cache = make(map[string]string)
	}
	if v, ok := n.cache[s]; ok {
		return v
	}
	if len(n.cache) >= 1<<14 {
		clear(n.cache)
	}
	v := strings.Clone(s)
	n.cache[v] = v
	return v
}

// source maps an event source to its namespace through the catalog.
func (n *normalizer) source(eventSource string) (sourceInfo, *fieldProblem) {
	if s, ok := n.sources[eventSource]; ok {
		return s, nil
	}
	for i := 0; i < len(eventSource); i++ {
		c := eventSource[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return sourceInfo{}, problemf("eventSource", "want a host name, got %q", eventSource)
		}
	}
	ns, known := n.cat.NamespaceForEventSource(eventSource)
	if ns == "" {
		return sourceInfo{}, problemf("eventSource", "want a host name, got %q", eventSource)
	}
	s := sourceInfo{namespace: strings.Clone(ns), known: known}
	if len(n.sources) < 1<<12 {
		n.sources[strings.Clone(eventSource)] = s
	}
	return s, nil
}

// action maps an event name to its IAM action through the catalog.
func (n *normalizer) action(namespace, eventName string) string {
	k := actionKey{namespace, eventName}
	if a, ok := n.actions[k]; ok {
		return a
	}
	a := strings.Clone(n.cat.ActionForEvent(namespace, eventName))
	if len(n.actions) < 1<<14 {
		n.actions[actionKey{namespace, strings.Clone(eventName)}] = a
	}
	return a
}

// checkText rejects a stored string that is missing (when required), too
// long, or not clean text: control characters, or U+FFFD, which is what the
// decoders make of invalid UTF-8, so that bad bytes are never stored.
func checkText(field, s string, required bool) *fieldProblem {
	if s == "" {
		if required {
			return problemf(field, "missing")
		}
		return nil
	}
	if len(s) > maxFieldLen {
		return problemf(field, "longer than %d bytes", maxFieldLen)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return problemf(field, "control character in %q", s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError {
			return problemf(field, "invalid UTF-8")
		}
		i += size
	}
	return nil
}

// Event times must fit engine.Event.Time (int64 nanoseconds).
var (
	minEventTime = time.Unix(0, -1<<63).UTC()
	maxEventTime = time.Unix(0, 1<<63-1).UTC()
)

// parseEventTime parses an RFC 3339 eventTime into Unix nanoseconds UTC.
// CloudTrail writes "2006-01-02T15:04:05Z"; that form takes a fast path.
func parseEventTime(s string) (int64, *fieldProblem) {
	if t, ok := parseCloudTrailTime(s); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, problemf("eventTime", "want RFC 3339, got %q", s)
	}
	if t.Before(minEventTime) || t.After(maxEventTime) {
		return 0, problemf("eventTime", "out of range: %q", s)
	}
	return t.UnixNano(), nil
}

// parseCloudTrailTime parses exactly "YYYY-MM-DDTHH:MM:SSZ" for years
// 1970–2200; anything else goes to time.Parse.
func parseCloudTrailTime(s string) (int64, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return 0, false
	}
	num := func(i, j int) int {
		v := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec := num(11, 13), num(14, 16), num(17, 19)
	if year < 1970 || year > 2200 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return 0, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 31 April and the like
		return 0, false
	}
	return t.UnixNano(), true
}

// principalARN names the principal of a counted access (SPEC §2) and says
// whether it is a service-linked role.
func principalARN(t engine.PrincipalType, id *identity) (arn string, serviceLinked bool, p *fieldProblem) {
	var issuer string
	if id.SessionContext != nil && id.SessionContext.SessionIssuer != nil {
		issuer = id.SessionContext.SessionIssuer.ARN
	}
	switch t {
	case engine.PrincipalIAMUser:
		a, ok := parseARN(id.ARN)
		if !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "user/") {
			return "", false, arnProblem("userIdentity.arn", "an IAM user ARN", id.ARN)
		}
		return id.ARN, false, nil

	case engine.PrincipalAssumedRole:
		if issuer != "" {
			a, ok := parseARN(issuer)
			if !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "role/") {
				return "", false, arnProblem("userIdentity.sessionContext.sessionIssuer.arn", "an IAM role ARN", issuer)
			}
			return issuer, strings.HasPrefix(a.resource, "role/aws-service-role/"), nil
		}
		// No session issuer (older records): the role named in the
		// assumed-role ARN, without its path, which the record does not carry.
		a, ok := parseARN(id.ARN)
		if !ok || a.service != "sts" || !strings.HasPrefix(a.resource, "assumed-role/") {
			return "", false, arnProblem("userIdentity.arn", "an sts assumed-role ARN", id.ARN)
		}
		role, _, _ := strings.Cut(strings.TrimPrefix(a.resource, "assumed-role/"), "/")
		if role == "" {
			return "", false, arnProblem("userIdentity.arn", "an sts assumed-role ARN", id.ARN)
		}
		account := a.account
		if account == "" {
			account = id.AccountID
		}
		return "arn:" + a.partition + ":iam::" + account + ":role/" + role, false, nil

	case engine.PrincipalRoot:
		partition := "aws"
		if a, ok := parseARN(id.ARN); ok {
			partition = a.partition
		}
		return "arn:" + partition + ":iam::" + id.AccountID + ":root", false, nil

	case engine.PrincipalFederatedUser:
		field, v := "userIdentity.sessionContext.sessionIssuer.arn", issuer
		if v == "" {
			field, v = "userIdentity.arn", id.ARN
		}
		if _, ok := parseARN(v); !ok {
			return "", false, arnProblem(field, "an ARN", v)
		}
		return v, false, nil
	}
	return "", false, problemf("userIdentity.type", "not a counted type")
}

func arnProblem(field, want, got string) *fieldProblem {
	if got == "" {
		return problemf(field, "missing")
	}
	if p := checkText(field, got, true); p != nil {
		return p
	}
	return problemf(field, "want %s, got %q", want, got)
}

type arnParts struct {
	partition, service, region, account, resource string
}

// parseARN splits arn:partition:service:region:account:resource and checks
// the parts ingest relies on: a partition and an account of 12 digits (or
// none, for S3-style ARNs), and clean text overall.
func parseARN(s string) (arnParts, bool) {
	if checkText("", s, true) != nil {
		return arnParts{}, false
	}
	var parts [6]string // split in place: this runs for every record
	rest := s
	for i := range 5 {
		var ok bool
		if parts[i], rest, ok = strings.Cut(rest, ":"); !ok {
			return arnParts{}, false
		}
	}
	parts[5] = rest
	if parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return arnParts{}, false
	}
	for i := 0; i < len(parts[1]); i++ {
		if c := parts[1][i]; !(c >= 'a' && c <= 'z' || c == '-') {
			return arnParts{}, false
		}
	}
	if parts[4] != "" && !engine.IsAccountID(parts[4]) {
		return arnParts{}, false
	}
	return arnParts{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}
