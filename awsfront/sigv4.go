package awsfront

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AWS Signature Version 4, verified (SPEC §7): the canonical request is
// rebuilt from the headers the client says it signed and the raw body,
// the signing key derived from the key's secret, and the signatures
// compared in constant time. Either the Authorization header or the
// query parameters of a presigned URL carry the signature.

const (
	sigAlgorithm   = "AWS4-HMAC-SHA256"
	sigService     = "iam"
	sigTerminator  = "aws4_request"
	sigTimeFormat  = "20060102T150405Z"
	sigDateFormat  = "20060102"
	maxClockSkew   = 15 * time.Minute
	maxPresignLife = 7 * 24 * time.Hour

	headerAuthorization = "Authorization"
	headerAmzDate       = "X-Amz-Date"
	headerContentSHA256 = "X-Amz-Content-Sha256"
	headerSecurityToken = "X-Amz-Security-Token"

	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	queryExpires       = "X-Amz-Expires"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
	querySecurityToken = "X-Amz-Security-Token"
)

// verifier checks signatures against a set of keys.
type verifier struct {
	keys map[string]*Key // by access key id
	now  func() time.Time
}

func newVerifier(keys []Key, now func() time.Time) *verifier {
	v := &verifier{keys: make(map[string]*Key, len(keys)), now: now}
	for i := range keys {
		v.keys[keys[i].AccessKeyID] = &keys[i]
	}
	return v
}

// signature is what a request says about how it was signed.
type signature struct {
	accessKeyID, date, region, service, terminator string
	signedHeaders                                  []string
	signature                                      string
	timeText                                       string // the request's time as signed: yyyymmddThhmmssZ
	time                                           time.Time
	presigned                                      bool
	expires                                        time.Duration // presigned only
}

// authenticate returns the key that signed the request. A request with
// no signature at all gives (nil, nil): the caller decides whether that
// is allowed. query is the request's parsed query.
func (v *verifier) authenticate(r *http.Request, query []queryPair, body []byte) (*Key, error) {
	authz := r.Header.Values(headerAuthorization)
	_, queryAuth := findPair(query, queryAlgorithm)
	switch {
	case len(authz) == 0 && !queryAuth:
		return nil, nil
	case len(authz) > 0 && queryAuth:
		return nil, newError(codeIncompleteSignature, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(authz) > 1:
		return nil, newError(codeIncompleteSignature, "The request has %d Authorization headers; it may have one.", len(authz))
	}
	var sig *signature
	var err error
	if queryAuth {
		sig, err = parseQuerySignature(query)
	} else {
		sig, err = parseAuthorization(authz[0], r.Header)
	}
	if err != nil {
		return nil, err
	}
	if sig.terminator != sigTerminator {
		return nil, newError(codeSignatureDoesNotMatch, "Credential should be scoped with a valid terminator: '%s', not '%s'.", sigTerminator, truncate(sig.terminator))
	}
	if sig.service != sigService {
		return nil, newError(codeSignatureDoesNotMatch, "Credential should be scoped to correct service: '%s'.", sigService)
	}
	key, ok := v.keys[sig.accessKeyID]
	if !ok {
		return nil, newError(codeInvalidClientTokenID, "The security token included in the request is invalid.")
	}
	if r.Header.Get(headerSecurityToken) != "" || hasPair(query, querySecurityToken) {
		// lastaccess issues no temporary credentials: a session token
		// cannot be one of ours.
		return nil, newError(codeInvalidClientTokenID, "The security token included in the request is invalid: lastaccess accepts long-term access keys only, without a session token.")
	}
	if day := sig.time.Format(sigDateFormat); sig.date != day {
		return nil, newError(codeSignatureDoesNotMatch, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", truncate(sig.date), day, sig.timeText)
	}
	if err := v.checkTime(sig); err != nil {
		return nil, err
	}
	if !containsString(sig.signedHeaders, "host") {
		return nil, newError(codeSignatureDoesNotMatch, "'Host' must be a signed header.")
	}
	payloadHash := hashHex(body)
	if containsString(sig.signedHeaders, "x-amz-content-sha256") {
		if given := r.Header.Get(headerContentSHA256); !strings.EqualFold(given, payloadHash) {
			return nil, newError(codeSignatureDoesNotMatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
	}
	canonical, cerr := canonicalRequest(r, query, sig, payloadHash)
	if cerr != nil {
		return nil, cerr
	}
	want := sigv4Signature(key.SecretAccessKey, sig, canonical)
	got, hexErr := hex.DecodeString(sig.signature)
	if hexErr != nil || !hmac.Equal(got, want) {
		return nil, newError(codeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return key, nil
}

// checkTime: a request is valid within 15 minutes of its time, a
// presigned URL from 15 minutes before its time until it expires.
func (v *verifier) checkTime(sig *signature) error {
	now := v.now().UTC()
	if sig.time.After(now.Add(maxClockSkew)) {
		return newError(codeRequestExpired, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			sig.timeText, now.Add(maxClockSkew).Format(sigTimeFormat), now.Format(sigTimeFormat))
	}
	if sig.presigned {
		if now.After(sig.time.Add(sig.expires)) {
			return newError(codeRequestExpired, "Request has expired: the URL was signed at %s for %d seconds; it is now %s.",
				sig.timeText, int(sig.expires.Seconds()), now.Format(sigTimeFormat))
		}
		return nil
	}
	if sig.time.Before(now.Add(-maxClockSkew)) {
		return newError(codeRequestExpired, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			sig.timeText, now.Add(-maxClockSkew).Format(sigTimeFormat), now.Format(sigTimeFormat))
	}
	return nil
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" and the request's time.
func parseAuthorization(value string, header http.Header) (*signature, error) {
	algorithm, rest, _ := strings.Cut(strings.TrimSpace(value), " ")
	if algorithm != sigAlgorithm {
		return nil, newError(codeIncompleteSignature, "Unsupported AWS 'algorithm': '%s': sign requests with %s (Signature Version 4).", truncate(algorithm), sigAlgorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, newError(codeIncompleteSignature, "'%s' not a valid key=value pair (missing equal-sign) in Authorization header.", truncate(strings.TrimSpace(part)))
		}
		fields[k] = v
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	timeText, t, timeErr := requestTime(header)
	if timeErr != "" {
		missing = append(missing, timeErr)
	}
	if len(missing) > 0 {
		return nil, newError(codeIncompleteSignature, "%s Authorization=%s", strings.Join(missing, " "), truncate(algorithm))
	}
	sig, err := parseCredential(fields["Credential"])
	if err != nil {
		return nil, err
	}
	sig.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	sig.signature = fields["Signature"]
	sig.timeText, sig.time = timeText, t
	return sig, nil
}

// requestTime is the time a header-signed request was signed at: its
// X-Amz-Date, else its Date header.
func requestTime(header http.Header) (string, time.Time, string) {
	if text := header.Get(headerAmzDate); text != "" {
		t, err := time.Parse(sigTimeFormat, text)
		if err != nil {
			return "", time.Time{}, "Date must be in ISO-8601 'basic format'. Got '" + truncate(text) + "'. See http://en.wikipedia.org/wiki/ISO_8601"
		}
		return text, t, ""
	}
	if text := header.Get("Date"); text != "" {
		t, err := http.ParseTime(text)
		if err != nil {
			return "", time.Time{}, "The Date header '" + truncate(text) + "' is not an HTTP date."
		}
		return t.UTC().Format(sigTimeFormat), t.UTC(), ""
	}
	return "", time.Time{}, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
}

// parseCredential splits KEY/DATE/REGION/SERVICE/aws4_request. The region
// may be empty: any region is accepted.
func parseCredential(credential string) (*signature, error) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 {
		return nil, newError(codeIncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", truncate(credential))
	}
	return &signature{accessKeyID: parts[0], date: parts[1], region: parts[2], service: parts[3], terminator: parts[4]}, nil
}

// parseQuerySignature reads the X-Amz-* parameters of a presigned URL.
func parseQuerySignature(query []queryPair) (*signature, error) {
	get := func(k string) string { v, _ := findPair(query, k); return v }
	if a := get(queryAlgorithm); a != sigAlgorithm {
		return nil, newError(codeIncompleteSignature, "X-Amz-Algorithm only supports \"%s\", got '%s'.", sigAlgorithm, truncate(a))
	}
	var missing []string
	for _, k := range []string{queryCredential, querySignature, querySignedHeaders, queryDate} {
		if get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, newError(codeIncompleteSignature, "A presigned request needs the query parameters %s.", strings.Join(missing, ", "))
	}
	sig, err := parseCredential(get(queryCredential))
	if err != nil {
		return nil, err
	}
	t, perr := time.Parse(sigTimeFormat, get(queryDate))
	if perr != nil {
		return nil, newError(codeIncompleteSignature, "X-Amz-Date must be in ISO-8601 'basic format'. Got '%s'.", truncate(get(queryDate)))
	}
	expires := maxPresignLife
	if e := get(queryExpires); e != "" {
		n, convErr := strconv.Atoi(e)
		if convErr != nil || n < 1 || time.Duration(n)*time.Second > maxPresignLife {
			return nil, newError(codeIncompleteSignature, "X-Amz-Expires must be an integer of seconds from 1 to 604800, got '%s'.", truncate(e))
		}
		expires = time.Duration(n) * time.Second
	}
	sig.signedHeaders = strings.Split(get(querySignedHeaders), ";")
	sig.signature = get(querySignature)
	sig.timeText, sig.time, sig.presigned, sig.expires = get(queryDate), t, true, expires
	return sig, nil
}

// canonicalRequest builds SigV4's canonical request: method, URI, query,
// the signed headers with their values, their names, the payload hash.
func canonicalRequest(r *http.Request, query []queryPair, sig *signature, payloadHash string) (string, error) {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(query, sig.presigned))
	b.WriteByte('\n')
	for _, name := range sig.signedHeaders {
		if name == "" || name != strings.ToLower(name) {
			return "", newError(codeSignatureDoesNotMatch, "SignedHeaders must list lower-case header names separated by ';', got '%s'.", truncate(strings.Join(sig.signedHeaders, ";")))
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sig.signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// canonicalURI is the path as the client escaped it, escaped once more
// (services other than S3 sign the path doubly encoded).
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return escapeSigV4(p, false)
}

// canonicalQuery: every parameter but the signature, names and values
// URI-encoded, sorted after encoding.
func canonicalQuery(query []queryPair, presigned bool) string {
	encoded := make([]queryPair, 0, len(query))
	for _, p := range query {
		if presigned && p.name == querySignature {
			continue
		}
		encoded = append(encoded, queryPair{escapeSigV4(p.name, true), escapeSigV4(p.value, true)})
	}
	sort.Slice(encoded, func(i, j int) bool {
		if encoded[i].name != encoded[j].name {
			return encoded[i].name < encoded[j].name
		}
		return encoded[i].value < encoded[j].value
	})
	var b strings.Builder
	for i, p := range encoded {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// canonicalHeaderValue is a signed header's values, each trimmed with
// runs of spaces collapsed, joined by commas. Go's server keeps Host and
// the body's length outside Header.
func canonicalHeaderValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return collapseSpaces(r.Host)
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return collapseSpaces(v)
		}
		if r.ContentLength >= 0 {
			return strconv.FormatInt(r.ContentLength, 10)
		}
		return ""
	}
	values := r.Header.Values(name)
	for i, v := range values {
		values[i] = collapseSpaces(v)
	}
	return strings.Join(values, ",")
}

func collapseSpaces(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// escapeSigV4 percent-encodes every byte but A–Z a–z 0–9 - . _ ~, and
// '/' unless encodeSlash (query components encode it, paths keep it).
func escapeSigV4(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// sigv4Signature is HMAC(signing key, string to sign).
func sigv4Signature(secret string, sig *signature, canonical string) []byte {
	scope := sig.date + "/" + sig.region + "/" + sig.service + "/" + sig.terminator
	stringToSign := sigAlgorithm + "\n" + sig.timeText + "\n" + scope + "\n" + hashHex([]byte(canonical))
	key := hmacSHA256([]byte("AWS4"+secret), sig.date)
	key = hmacSHA256(key, sig.region)
	key = hmacSHA256(key, sig.service)
	key = hmacSHA256(key, sig.terminator)
	return hmacSHA256(key, stringToSign)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
