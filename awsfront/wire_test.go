package awsfront

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Helpers that speak the wire directly: requests signed by the AWS SDK's
// own SigV4 signer, responses parsed as XML.

// signRequest signs req (body given separately) with the SDK's signer as
// key, at time at, for region.
func signRequest(t testing.TB, req *http.Request, body []byte, key Key, region string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", region, at); err != nil {
		t.Fatal(err)
	}
}

func timeNow() time.Time { return time.Now() }

// formRequest is a POST of form text to the server, signed by key now.
func formRequest(t testing.TB, url, form string, key Key) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	signRequest(t, req, []byte(form), key, "us-east-1", time.Now())
	return req
}

// wireResponse is a response read whole.
type wireResponse struct {
	status int
	body   []byte
	header http.Header
}

func do(t testing.TB, c *http.Client, req *http.Request) wireResponse {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return wireResponse{resp.StatusCode, body, resp.Header}
}

// post sends a signed form and returns the response.
func post(t testing.TB, c *http.Client, url, form string, key Key) wireResponse {
	t.Helper()
	return do(t, c, formRequest(t, url, form, key))
}

// wireError is the envelope of an error response.
type wireErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
}

// errorOf parses an error response, failing the test if it is not one.
func errorOf(t testing.TB, r wireResponse) wireErrorResponse {
	t.Helper()
	var e wireErrorResponse
	if err := xml.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || len(e.RequestID) != 36 {
		t.Fatalf("status %d, not an error response (%v):\n%s", r.status, err, r.body)
	}
	return e
}

// values builds a form from name, value pairs.
func values(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// node is an XML element, for walking responses.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	text     string
}

func parseNode(t testing.TB, data []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("response is not XML: %v\n%s", err, data)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: tok.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatalf("empty response")
	}
	return root
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}
