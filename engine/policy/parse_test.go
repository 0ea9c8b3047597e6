package policy

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// mustParse parses a document written for a test, failing the test on error.
func mustParse(t testing.TB, text string) *Document {
	t.Helper()
	doc, err := ParseText(text)
	if err != nil {
		t.Fatalf("ParseText(%s): %v", text, err)
	}
	return doc
}

func TestParseForms(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want *Document
	}{{
		name: "statement as object, action as string",
		text: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`,
		want: &Document{Version: "2012-10-17", Statements: []Statement{
			{Effect: EffectAllow, Action: []string{"s3:GetObject"}, Resource: []string{"*"}},
		}},
	}, {
		name: "statement as array, action as array",
		text: `{"Version":"2012-10-17","Id":"doc-1","Statement":[
			{"Sid":"Read","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::a","arn:aws:s3:::a/*"]},
			{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::a"}]}`,
		want: &Document{Version: "2012-10-17", ID: "doc-1", Statements: []Statement{
			{Sid: "Read", Effect: EffectAllow, Action: []string{"s3:Get*", "s3:List*"}, Resource: []string{"arn:aws:s3:::a", "arn:aws:s3:::a/*"}},
			{Effect: EffectDeny, NotAction: []string{"iam:*"}, NotResource: []string{"arn:aws:s3:::a"}},
		}},
	}, {
		name: "no Version, no Resource, lone star",
		text: `{"Statement":[{"Effect":"Allow","Action":"*"}]}`,
		want: &Document{Statements: []Statement{{Effect: EffectAllow, Action: []string{"*"}}}},
	}, {
		name: "condition kept compacted, empty and null conditions dropped",
		text: `{"Version":"2008-10-17","Statement":[
			{"Effect":"Deny","Action":"s3:*","Condition":{ "Bool" : {"aws:SecureTransport":"false"} }},
			{"Effect":"Deny","Action":"s3:*","Condition":{}},
			{"Effect":"Deny","Action":"s3:*","Condition":null}]}`,
		want: &Document{Version: "2008-10-17", Statements: []Statement{
			{Effect: EffectDeny, Action: []string{"s3:*"}, Condition: json.RawMessage(`{"Bool":{"aws:SecureTransport":"false"}}`)},
			{Effect: EffectDeny, Action: []string{"s3:*"}},
			{Effect: EffectDeny, Action: []string{"s3:*"}},
		}},
	}, {
		name: "principals kept",
		text: `{"Statement":[
			{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"},
			{"Effect":"Deny","NotPrincipal":"*","Action":"s3:*"}]}`,
		want: &Document{Statements: []Statement{
			{Effect: EffectAllow, Principal: json.RawMessage(`{"AWS":"arn:aws:iam::123456789012:root"}`), Action: []string{"sts:AssumeRole"}},
			{Effect: EffectDeny, NotPrincipal: json.RawMessage(`"*"`), Action: []string{"s3:*"}},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.text))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tc.want)
			}
		})
	}
}

func TestParseTextWrappings(t *testing.T) {
	const plain = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::a+b"}]}`
	want, err := Parse([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(plain)
	urlEncoded := strings.ReplaceAll(url.QueryEscape(plain), "+", "%20") // IAM encodes as RFC 3986
	quotedURL, _ := json.Marshal(urlEncoded)
	for _, tc := range []struct{ name, text string }{
		{"plain", plain},
		{"surrounding white space", "\n  " + plain + "\n"},
		{"byte order mark", "\ufeff" + plain},
		{"JSON string (Organizations Content)", string(quoted)},
		{"URL-encoded (IAM API)", urlEncoded},
		{"URL-encoded inside a JSON string", string(quotedURL)},
		{"lower-case escapes", strings.ToLower(urlEncoded[:3]) + urlEncoded[3:]},
		{"pretty-printed, URL-encoded", url.PathEscape("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:Get*\", \"Resource\": \"arn:aws:s3:::a+b\"}\n}")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseText(tc.text)
			if err != nil {
				t.Fatalf("ParseText(%q): %v", tc.text, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseText(%q) =\n%#v\nwant\n%#v", tc.text, got, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	// wrap builds a one-statement document around a statement body.
	wrap := func(statement string) string {
		return `{"Version":"2012-10-17","Statement":[` + statement + `]}`
	}
	const ok = `{"Effect":"Allow","Action":"*"}`
	for _, tc := range []struct {
		name, text, want string
	}{
		{"invalid JSON", `{"Version":"2012-10-17",}`, `policy: invalid JSON at offset 25: invalid character '}' looking for beginning of object key string`},
		{"truncated JSON", `{"Statement":[`, `policy: invalid JSON at offset 14: unexpected end of JSON input`},
		{"trailing data", `{"Statement":[]} x`, `policy: invalid JSON at offset 18: invalid character 'x' after top-level value`},
		{"empty input", ``, `policy: empty document`},
		{"not an object", `["Statement"]`, `policy: document must be a JSON object, got array`},
		{"null document", `null`, `policy: document must be a JSON object, got null`},
		{"missing Statement", `{"Version":"2012-10-17"}`, `policy: missing Statement`},
		{"empty Statement", `{"Statement":[]}`, `policy: Statement is an empty array`},
		{"Statement a string", `{"Statement":"Allow *"}`, `policy: Statement must be an object or an array of objects, got string`},
		{"statement not an object", `{"Statement":[` + ok + `,"x"]}`, `policy: statement 2: must be a JSON object, got string`},
		{"unknown top-level element", `{"Statement":[` + ok + `],"Comment":"x"}`, `policy: unknown element "Comment"`},
		{"misspelt case", `{"statement":[` + ok + `]}`, `policy: unknown element "statement" (element names are case-sensitive: did you mean "Statement"?)`},
		{"duplicate element", `{"Statement":[` + ok + `],"Statement":[` + ok + `]}`, `policy: duplicate element "Statement"`},
		{"bad Version", `{"Version":"2012-10-18","Statement":[` + ok + `]}`, `policy: Version must be "2012-10-17" or "2008-10-17", got "2012-10-18"`},
		{"Version a number", `{"Version":2012,"Statement":[` + ok + `]}`, `policy: Version must be a string, got number`},
		{"Id an object", `{"Id":{},"Statement":[` + ok + `]}`, `policy: Id must be a string, got object`},
		{"Effect lower case", `{"Statement":[` + ok + `,{"Effect":"allow","Action":"*"}]}`, `policy: statement 2: Effect must be "Allow" or "Deny", got "allow"`},
		{"Effect not a string", wrap(`{"Effect":true,"Action":"*"}`), `policy: statement 1: Effect must be a string, got boolean`},
		{"missing Effect", wrap(`{"Action":"*"}`), `policy: statement 1: missing Effect`},
		{"both Action and NotAction", wrap(`{"Effect":"Allow","Action":"*","NotAction":"s3:*"}`), `policy: statement 1: both Action and NotAction`},
		{"neither Action nor NotAction", wrap(`{"Effect":"Allow","Resource":"*"}`), `policy: statement 1: missing Action or NotAction`},
		{"empty action string", wrap(`{"Effect":"Allow","Action":""}`), `policy: statement 1: Action is an empty string`},
		{"empty action in array", wrap(`{"Effect":"Allow","Action":["s3:*",""]}`), `policy: statement 1: Action element 2 is an empty string`},
		{"non-string action", wrap(`{"Effect":"Allow","Action":["s3:*",3]}`), `policy: statement 1: Action element 2 must be a string, got number`},
		{"Action an object", wrap(`{"Effect":"Allow","Action":{"s3":"*"}}`), `policy: statement 1: Action must be a string or an array of strings, got object`},
		{"empty Action array", wrap(`{"Effect":"Allow","Action":[]}`), `policy: statement 1: Action is an empty array`},
		{"action without colon", wrap(`{"Effect":"Allow","Action":"s3GetObject"}`), `policy: statement 1: Action "s3GetObject" is not "*" or "<service>:<action>"`},
		{"NotAction without colon", wrap(`{"Effect":"Deny","NotAction":["iam:*","s3*"]}`), `policy: statement 1: NotAction element 2 "s3*" is not "*" or "<service>:<action>"`},
		{"action without service", wrap(`{"Effect":"Allow","Action":":GetObject"}`), `policy: statement 1: Action ":GetObject" has an empty service prefix`},
		{"action without name", wrap(`{"Effect":"Allow","Action":"s3:"}`), `policy: statement 1: Action "s3:" has an empty action name`},
		{"action with space", wrap(`{"Effect":"Allow","Action":"s3: GetObject"}`), `policy: statement 1: Action "s3: GetObject" contains white space`},
		{"empty resource", wrap(`{"Effect":"Allow","Action":"*","Resource":""}`), `policy: statement 1: Resource is an empty string`},
		{"resource a number", wrap(`{"Effect":"Allow","Action":"*","Resource":1}`), `policy: statement 1: Resource must be a string or an array of strings, got number`},
		{"both Resource and NotResource", wrap(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"arn:aws:s3:::a"}`), `policy: statement 1: both Resource and NotResource`},
		{"Condition a string", wrap(`{"Effect":"Deny","Action":"*","Condition":"aws:SecureTransport"}`), `policy: statement 1: Condition must be a JSON object, got string`},
		{"Principal an array", wrap(`{"Effect":"Allow","Action":"*","Principal":["*"]}`), `policy: statement 1: Principal must be "*" or a JSON object, got array`},
		{"Principal other string", wrap(`{"Effect":"Allow","Action":"*","Principal":"me"}`), `policy: statement 1: Principal must be "*" or a JSON object, got "me"`},
		{"both Principal and NotPrincipal", wrap(`{"Effect":"Allow","Action":"*","Principal":"*","NotPrincipal":"*"}`), `policy: statement 1: both Principal and NotPrincipal`},
		{"Sid a number", wrap(`{"Sid":1,"Effect":"Allow","Action":"*"}`), `policy: statement 1: Sid must be a string, got number`},
		{"unknown statement element", wrap(`{"Effect":"Allow","Action":"*","Actions":"s3:*"}`), `policy: statement 1: unknown element "Actions"`},
		{"statement element case", wrap(`{"effect":"Allow","Action":"*"}`), `policy: statement 1: unknown element "effect" (element names are case-sensitive: did you mean "Effect"?)`},
		{"duplicate statement element", wrap(`{"Effect":"Allow","Effect":"Deny","Action":"*"}`), `policy: statement 1: duplicate element "Effect"`},
		{"bad URL escape", `%7B%2`, `policy: invalid URL encoding: bad escape "%2"`},
		{"bad JSON string", `"{\"Statement\"`, `policy: invalid JSON at offset 15: unexpected end of JSON input`},
		{"JSON string of garbage", `"not a policy"`, `policy: invalid JSON at offset 2: invalid character 'o' in literal null (expecting 'u')`},
		{"wrapped too often", `"\"\\\"\\\\\\\"{}\\\\\\\"\\\"\""`, `policy: document is wrapped in more than 4 layers of URL encoding or JSON quoting`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseText(tc.text)
			if err == nil {
				t.Fatalf("ParseText(%s) = %+v, want error %q", tc.text, doc, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("ParseText(%s) error\n got %q\nwant %q", tc.text, err, tc.want)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %q does not match ErrMalformed", err)
			}
		})
	}
}

func TestParseSizeLimit(t *testing.T) {
	// pad makes a valid document of exactly size bytes.
	pad := func(size int) string {
		const head, tail = `{"Statement":[{"Effect":"Allow","Action":"*"}]`, `}`
		return head + strings.Repeat(" ", size-len(head)-len(tail)) + tail
	}
	if _, err := Parse([]byte(pad(MaxDocumentSize))); err != nil {
		t.Errorf("Parse(%d bytes): %v", MaxDocumentSize, err)
	}
	_, err := Parse([]byte(pad(MaxDocumentSize + 1)))
	if want := "policy: document is 131073 bytes, over the limit of 131072"; err == nil || err.Error() != want {
		t.Errorf("Parse(%d bytes) error = %v, want %q", MaxDocumentSize+1, err, want)
	}
	// URL encoding triples the size: the text may be larger, the document not.
	if _, err := ParseText(url.PathEscape(pad(MaxDocumentSize))); err != nil {
		t.Errorf("ParseText(URL-encoded %d bytes): %v", MaxDocumentSize, err)
	}
	_, err = ParseText(url.PathEscape(pad(MaxDocumentSize + 1)))
	if want := "policy: document is 131073 bytes, over the limit of 131072"; err == nil || err.Error() != want {
		t.Errorf("ParseText(URL-encoded %d bytes) error = %v, want %q", MaxDocumentSize+1, err, want)
	}
	_, err = ParseText(strings.Repeat(" ", maxTextSize+1))
	if want := "policy: document text is 786433 bytes, over the limit of 786432"; err == nil || err.Error() != want {
		t.Errorf("ParseText(%d bytes) error = %v, want %q", maxTextSize+1, err, want)
	}
}

func TestParseErrorFields(t *testing.T) {
	_, err := Parse([]byte(`{"Statement":[{"Effect":"Allow","Action":"*"},{"Effect":"Allow"}]}`))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if pe.Statement != 2 || pe.Message != "missing Action or NotAction" {
		t.Errorf("ParseError = %+v, want statement 2, missing Action or NotAction", pe)
	}
	_, err = Parse([]byte(`{`))
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		t.Errorf("error %v does not wrap the *json.SyntaxError", err)
	}
}
