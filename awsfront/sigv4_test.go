package awsfront

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// serverView is the request as the server sees it: the signed client
// request written to the wire and read back by net/http's server parser.
func serverView(t testing.TB, req *http.Request, body []byte) *http.Request {
	t.Helper()
	req.Body = nil
	req.ContentLength = int64(len(body))
	if len(body) > 0 {
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, wire.String())
	}
	return sr
}

// randomRequest builds a request of the shapes clients send: POST forms
// and GET queries, any path, extra headers with runs of spaces and
// repeated values, query values with every kind of character.
func randomRequest(r *rand.Rand) (*http.Request, []byte) {
	chars := []string{"a", "Z", "0", " ", "+", "/", "=", "&", "%", "~", "-", "_", ".", "é", "日", "*", "'", ":"}
	word := func() string {
		var b strings.Builder
		for n := r.IntN(6); n >= 0; n-- {
			b.WriteString(chars[r.IntN(len(chars))])
		}
		return b.String()
	}
	paths := []string{"/", "/", "/iam/", "/a b/c", "/x%2Fy", "/~user/.//z"}
	q := url.Values{}
	for n := r.IntN(4); n > 0; n-- {
		q.Add(word(), word())
	}
	method, body := http.MethodPost, []byte(values("Action", "ListUsers", "Version", "2010-05-08", "PathPrefix", "/"+strings.Trim(word(), " ")))
	if r.IntN(3) == 0 {
		method, body = http.MethodGet, nil
		q.Set("Action", "ListUsers")
		q.Set("Version", "2010-05-08")
	}
	u := &url.URL{Scheme: "http", Host: "127.0.0.1:4566", Path: paths[r.IntN(len(paths))], RawQuery: q.Encode()}
	req, _ := http.NewRequest(method, u.String(), nil)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if r.IntN(2) == 0 {
		req.Header.Add("X-Custom", "  two   spaces  ")
		req.Header.Add("X-Custom", "second")
	}
	if r.IntN(2) == 0 {
		sum := sha256.Sum256(body)
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	}
	return req, body
}

// TestVerifierAgreesWithSDKSigner: requests of every shape signed by
// aws-sdk-go-v2's SigV4 signer (header and presigned), in any region, the
// empty one included, verify; the same requests with any signed part
// changed do not.
func TestVerifierAgreesWithSDKSigner(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	v := newVerifier([]Key{adminKey}, func() time.Time { return now })
	r := rand.New(rand.NewPCG(1, 2))
	creds := aws.Credentials{AccessKeyID: adminKey.AccessKeyID, SecretAccessKey: adminKey.SecretAccessKey}
	regions := []string{"us-east-1", "", "eu-central-1", "aws-global", "cn-north-1"}
	for i := 0; i < 300; i++ {
		req, body := randomRequest(r)
		region := regions[i%len(regions)]
		sum := sha256.Sum256(body)
		presign := i%4 == 3
		if presign {
			signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", region, now.Add(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			header := req.Header
			req, _ = http.NewRequest(req.Method, signed, nil)
			req.Header = header
		} else if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", region, now.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		wire := cloneRequest(req)
		sr := serverView(t, wire, body)
		query, err := splitForm(sr.URL.RawQuery)
		if err != nil {
			t.Fatalf("request %d: query %q: %v", i, sr.URL.RawQuery, err)
		}
		key, err := v.authenticate(sr, query, body)
		if err != nil || key == nil || key.AccessKeyID != adminKey.AccessKeyID {
			t.Fatalf("request %d (%s %s region %q presigned %v): %v", i, req.Method, req.URL, region, presign, err)
		}
		// Any change to what was signed breaks the signature.
		tampered := []struct {
			name string
			edit func(*http.Request) []byte
		}{
			{"body", func(q *http.Request) []byte { return append(append([]byte{}, body...), 'x') }},
			{"path", func(q *http.Request) []byte { q.URL.Path += "x"; q.URL.RawPath = ""; return body }},
			{"query", func(q *http.Request) []byte { q.URL.RawQuery += "&extra=1"; return body }},
			{"host", func(q *http.Request) []byte { q.Host = "127.0.0.1:4567"; return body }},
			{"method", func(q *http.Request) []byte {
				if q.Method == http.MethodGet {
					q.Method = http.MethodHead
				} else {
					q.Method = http.MethodPut
				}
				return body
			}},
		}
		for _, tc := range tampered {
			q := cloneRequest(req)
			b := tc.edit(q)
			sq := serverView(t, q, b)
			query, _ := splitForm(sq.URL.RawQuery)
			if _, err := v.authenticate(sq, query, b); err == nil || wireError(err).code != codeSignatureDoesNotMatch {
				t.Fatalf("request %d with the %s changed: %v", i, tc.name, err)
			}
		}
	}
}

func cloneRequest(req *http.Request) *http.Request {
	c := req.Clone(context.Background())
	u := *req.URL
	c.URL = &u
	return c
}

// TestAuthenticationFailures: each way a signature can be wrong has
// AWS's code and status.
func TestAuthenticationFailures(t *testing.T) {
	var offset time.Duration
	ts := startServerWith(t, serverConfig{opts: Options{Now: func() time.Time { return time.Now().Add(offset) }}})
	c := client(t)
	form := "Action=ListUsers&Version=2010-05-08"
	signedAt := func(key Key, region string, at time.Time) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		signRequest(t, req, []byte(form), key, region, at)
		return req
	}
	wrongSecret := adminKey
	wrongSecret.SecretAccessKey = "not-the-secret"
	unknown := Key{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "x"}
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"empty region", func() *http.Request { return signedAt(adminKey, "", time.Now()) }, 200, ""},
		{"wrong secret", func() *http.Request { return signedAt(wrongSecret, "us-east-1", time.Now()) }, 403, "SignatureDoesNotMatch"},
		{"unknown key", func() *http.Request { return signedAt(unknown, "us-east-1", time.Now()) }, 403, "InvalidClientTokenId"},
		{"unsigned", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, ts.url+"/", strings.NewReader(form))
			return req
		}, 403, "MissingAuthenticationToken"},
		{"20 minutes old", func() *http.Request { return signedAt(adminKey, "us-east-1", time.Now().Add(-20*time.Minute)) }, 400, "RequestExpired"},
		{"20 minutes ahead", func() *http.Request { return signedAt(adminKey, "us-east-1", time.Now().Add(20*time.Minute)) }, 400, "RequestExpired"},
		{"14 minutes old", func() *http.Request { return signedAt(adminKey, "us-east-1", time.Now().Add(-14*time.Minute)) }, 200, ""},
		{"session token", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, ts.url+"/", strings.NewReader(form))
			creds := aws.Credentials{AccessKeyID: adminKey.AccessKeyID, SecretAccessKey: adminKey.SecretAccessKey, SessionToken: "token"}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex([]byte(form)), "iam", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			return req
		}, 403, "InvalidClientTokenId"},
		{"other service", func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, ts.url+"/", strings.NewReader(form))
			creds := aws.Credentials{AccessKeyID: adminKey.AccessKeyID, SecretAccessKey: adminKey.SecretAccessKey}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hashHex([]byte(form)), "sts", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			return req
		}, 403, "SignatureDoesNotMatch"},
		{"content hash differs", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Set("X-Amz-Content-Sha256", hashHex([]byte("other")))
			// Re-sign so that the header is signed with its wrong value.
			req.Header.Del("Authorization")
			signRequest(t, req, []byte("other"), adminKey, "us-east-1", time.Now())
			return req
		}, 403, "SignatureDoesNotMatch"},
		{"no Credential", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00")
			return req
		}, 400, "IncompleteSignature"},
		{"SigV2", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Set("Authorization", "AWS AKIALASTACCESSADMIN1:c2lnbmF0dXJl")
			return req
		}, 400, "IncompleteSignature"},
		{"four-part credential", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "/us-east-1/", "/", 1))
			return req
		}, 400, "IncompleteSignature"},
		{"no date", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Del("X-Amz-Date")
			return req
		}, 400, "IncompleteSignature"},
		{"scope date differs", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), time.Now().UTC().Format("/20060102/"), "/19990101/", 1))
			return req
		}, 403, "SignatureDoesNotMatch"},
		{"host not signed", func() *http.Request {
			req := signedAt(adminKey, "us-east-1", time.Now())
			req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;", "SignedHeaders=content-length;content-type;", 1))
			return req
		}, 403, "SignatureDoesNotMatch"},
	}
	for _, tc := range cases {
		r := do(t, c, tc.req())
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d\n%s", tc.name, r.status, tc.status, r.body)
			continue
		}
		if tc.code != "" {
			if e := errorOf(t, r); e.Error.Code != tc.code {
				t.Errorf("%s: %s %q, want %s", tc.name, e.Error.Code, e.Error.Message, tc.code)
			}
		}
	}

	// A request replayed with its headers is accepted within 15 minutes
	// of its signature, as AWS accepts it, and refused after.
	req := signedAt(adminKey, "us-east-1", time.Now())
	replay := func() wireResponse {
		again, _ := http.NewRequest(http.MethodPost, ts.url+"/", strings.NewReader(form))
		again.Header = req.Header.Clone()
		return do(t, c, again)
	}
	if r := do(t, c, req); r.status != 200 {
		t.Fatalf("signed request: %d\n%s", r.status, r.body)
	}
	if r := replay(); r.status != 200 {
		t.Fatalf("replayed at once: %d", r.status)
	}
	offset = 20 * time.Minute
	if r := replay(); r.status != 400 || !strings.Contains(errorOf(t, r).Error.Message, "Signature expired") {
		t.Fatalf("replayed 20 minutes later: %d %s", r.status, r.body)
	}
}

// TestReadOnlyKeyAndAccount: a read_only key reads but may not Generate;
// a key's account_id chooses the account of the listings.
func TestReadOnlyKeyAndAccount(t *testing.T) {
	ts := startServer(t)
	c := client(t)
	gen := values("Action", "GenerateOrganizationsAccessReport", "Version", "2010-05-08", "EntityPath", sampleRoot)
	before := storedJobs(t, ts.eng)
	r := post(t, c, ts.url, gen, readOnlyKey)
	if e := errorOf(t, r); r.status != 403 || e.Error.Code != "AccessDenied" || !strings.Contains(e.Error.Message, "read-only") {
		t.Fatalf("read-only Generate: %d %+v", r.status, e)
	}
	r = post(t, c, ts.url, values("Action", "GenerateServiceLastAccessedDetails", "Version", "2010-05-08", "Arn", "arn:aws:iam::985606903142:user/carol"), readOnlyKey)
	if r.status != 403 {
		t.Fatalf("read-only Generate (entity): %d", r.status)
	}
	if storedJobs(t, ts.eng) != before {
		t.Fatal("a refused Generate stored a job")
	}
	id := jobIDOf(t, post(t, c, ts.url, gen, adminKey))
	if err := ts.eng.WaitJob(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if r := post(t, c, ts.url, values("Action", "GetOrganizationsAccessReport", "Version", "2010-05-08", "JobId", id), readOnlyKey); r.status != 200 {
		t.Fatalf("read-only Get: %d\n%s", r.status, r.body)
	}
	users := func(key Key) string {
		r := post(t, c, ts.url, "Action=ListUsers&Version=2010-05-08", key)
		if r.status != 200 {
			t.Fatalf("ListUsers: %d\n%s", r.status, r.body)
		}
		return string(r.body)
	}
	if u := users(adminKey); !strings.Contains(u, "arn:aws:iam::"+sampleManagement+":user/") || strings.Contains(u, sampleAccount) {
		t.Fatalf("default key lists another account:\n%s", u)
	}
	if u := users(accountKey); !strings.Contains(u, "arn:aws:iam::"+sampleAccount+":user/") || strings.Contains(u, sampleManagement) {
		t.Fatalf("account_id key lists another account:\n%s", u)
	}
}

// TestUnsignedOnlyWhenAllowed: --aws-allow-unsigned accepts requests
// without a signature, and only on loopback.
func TestUnsignedOnlyWhenAllowed(t *testing.T) {
	ts := startServerWith(t, serverConfig{opts: Options{AllowUnsigned: true}})
	c := client(t)
	req, _ := http.NewRequest(http.MethodPost, ts.url+"/", strings.NewReader("Action=ListGroups&Version=2010-05-08"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := do(t, c, req); r.status != 200 {
		t.Fatalf("unsigned with AllowUnsigned: %d\n%s", r.status, r.body)
	}
	// A wrong signature is still refused.
	bad := adminKey
	bad.SecretAccessKey = "wrong"
	if r := post(t, c, ts.url, "Action=ListGroups&Version=2010-05-08", bad); r.status != 403 {
		t.Fatalf("wrong signature with AllowUnsigned: %d", r.status)
	}
	for _, addr := range []string{"0.0.0.0:0", "[::]:0"} {
		ln, err := netListen(addr)
		if err != nil {
			continue
		}
		_, err = NewServer(ts.eng, Options{Listener: ln, AllowUnsigned: true})
		ln.Close()
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("AllowUnsigned on %s: %v", addr, err)
		}
	}
	if _, err := NewServer(ts.eng, Options{Listener: mustListen(t)}); err == nil {
		t.Error("a server without keys or AllowUnsigned started")
	}
}
