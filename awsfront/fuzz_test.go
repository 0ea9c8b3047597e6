package awsfront

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// FuzzForm: the form parser never panics; what it accepts re-encodes to
// the same parameters; a list it accepts is exactly its members 1…n.
func FuzzForm(f *testing.F) {
	for _, s := range []string{
		"Action=ListPoliciesGrantingServiceAccess&Version=2010-05-08&Arn=arn%3Aaws%3Aiam%3A%3A1%3Auser%2Fa&ServiceNamespaces.member.1=s3&ServiceNamespaces.member.2=ec2",
		"Action=ListUsers&Version=2010-05-08&MaxItems=99999999999999999999&Marker=a+b%20c",
		"ServiceNamespaces.member.0=s3",
		"ServiceNamespaces.member.1=s3&ServiceNamespaces.member.3=x",
		"ServiceNamespaces=&Filter.member.01=User",
		"a=%zz", "=x", "&&a&b=", "OnlyAttached=TRUE", "PathPrefix=%2F%FF",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pairs, err := splitForm(text)
		if err != nil {
			if e := wireError(err); e.status >= 500 || e.message == "" {
				t.Fatalf("error %+v", e)
			}
			return
		}
		var enc []string
		for _, p := range pairs {
			enc = append(enc, url.QueryEscape(p.name)+"="+url.QueryEscape(p.value))
		}
		again, err := splitForm(strings.Join(enc, "&"))
		if err != nil || len(again) != len(pairs) {
			t.Fatalf("re-encoded form: %v, %d pairs of %d", err, len(again), len(pairs))
		}
		for i := range pairs {
			if again[i] != pairs[i] {
				t.Fatalf("pair %d: %+v, re-encoded %+v", i, pairs[i], again[i])
			}
		}
		form := form{}
		if err := form.add(pairs); err != nil {
			return
		}
		for _, name := range []string{"ServiceNamespaces", "Filter"} {
			values, given, err := form.list(name)
			if err != nil {
				if wireError(err).status != 400 {
					t.Fatalf("list error %v", err)
				}
				continue
			}
			members := 0
			for k := range form {
				if strings.HasPrefix(k, name+".member.") {
					members++
				}
			}
			if len(values) != members || (given != (members > 0 || hasKey(form, name))) {
				t.Fatalf("%s: %d values, %d members, given %v", name, len(values), members, given)
			}
			for i, v := range values {
				if form[name+".member."+strconv.Itoa(i+1)] != v {
					t.Fatalf("%s member %d is %q", name, i+1, v)
				}
			}
		}
		if n, err := form.integer("MaxItems", "maxItems"); err == nil && n != nil {
			if v, perr := strconv.ParseInt(form["MaxItems"], 10, 64); perr == nil && int(v) != *n {
				t.Fatalf("MaxItems %q read as %d", form["MaxItems"], *n)
			}
		}
		_, _ = form.boolean("OnlyAttached", "onlyAttached")
	})
}

func hasKey(f form, k string) bool {
	_, ok := f[k]
	return ok
}

// fuzzNow is the verifier's clock in FuzzSignature: the seeds were signed
// then.
var fuzzNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// signedWire is a request signed by the SDK's signer at fuzzNow, as bytes
// on the wire.
func signedWire(tb testing.TB, method, target, body string, region string) []byte {
	req, err := http.NewRequest(method, "http://127.0.0.1:4566"+target, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: adminKey.AccessKeyID, SecretAccessKey: adminKey.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", region, fuzzNow); err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	if err := req.Write(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// FuzzSignature: any request, however its Authorization, dates, headers,
// query and body are mangled, is verified without a panic and refused
// with one of SigV4's codes and a 4xx status, or accepted as a known key.
func FuzzSignature(f *testing.F) {
	f.Add(signedWire(f, http.MethodPost, "/", "Action=ListUsers&Version=2010-05-08", "us-east-1"))
	f.Add(signedWire(f, http.MethodPost, "/", "Action=ListGroups&Version=2010-05-08", ""))
	f.Add(signedWire(f, http.MethodGet, "/?Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa%20b%2F", "", "eu-west-1"))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=zz\r\nX-Amz-Date: 20261122T120000Z\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("GET /?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIALASTACCESSADMIN1%2F20261122%2F%2Fiam%2Faws4_request&X-Amz-Date=20261122T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00 HTTP/1.1\r\nHost: x\r\n\r\n"))
	codes := map[string]bool{codeSignatureDoesNotMatch: true, codeIncompleteSignature: true, codeInvalidClientTokenID: true,
		codeRequestExpired: true, codeMalformedQueryString: true}
	v := newVerifier([]Key{adminKey, readOnlyKey}, func() time.Time { return fuzzNow })
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		query, err := splitForm(r.URL.RawQuery)
		if err != nil {
			if !codes[wireError(err).code] {
				t.Fatalf("query error %v", err)
			}
			return
		}
		key, err := v.authenticate(r, query, body)
		if err != nil {
			e := wireError(err)
			if !codes[e.code] || e.status < 400 || e.status >= 500 || len(e.message) > 1024 {
				t.Fatalf("refused with %d %s %q", e.status, e.code, e.message)
			}
			return
		}
		if key != nil && key.AccessKeyID != adminKey.AccessKeyID && key.AccessKeyID != readOnlyKey.AccessKeyID {
			t.Fatalf("accepted as %+v", key)
		}
	})
}
