package policy

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that no input makes Parse, ParseText or the evaluation of
// what they accept panic, and that accepted documents keep the invariants
// the evaluation relies on. Seeds: below and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		fullAWSAccess,
		`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["ec2:*","iam:*"],"Resource":"*"}}`,
		`{"Statement":[{"Sid":"x","Effect":"Allow","Action":["s3:Get*","s?:*"],"Resource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"*","NotResource":"*","Principal":{"AWS":["*"]}}]}`,
		`%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%7D%7D`,
		`"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\"}}"`,
		`{"Statement":[]}`,
		`{"Statement":[{"Effect":"allow","Action":"s3"}]}`,
		`{`,
		``,
	} {
		f.Add([]byte(seed))
	}
	namespaces := []string{"s3", "s3control", "ec2", "iam", "sts", ""}
	actions := [][]string{nil, {"GetObject", "PutObject"}, {"", "*", "?"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func() (*Document, error){
			func() (*Document, error) { return Parse(data) },
			func() (*Document, error) { return ParseText(string(data)) },
		} {
			doc, err := parse()
			if err != nil {
				if doc != nil {
					t.Fatalf("document %+v returned with error %v", doc, err)
				}
				if !strings.HasPrefix(err.Error(), "policy: ") {
					t.Fatalf("error %q lacks the package prefix", err)
				}
				continue
			}
			if len(doc.Statements) == 0 {
				t.Fatalf("accepted a document without statements: %q", data)
			}
			for i, st := range doc.Statements {
				if (len(st.Action) == 0) == (len(st.NotAction) == 0) {
					t.Fatalf("statement %d: want exactly one of Action %q and NotAction %q", i+1, st.Action, st.NotAction)
				}
				if st.Effect != EffectAllow && st.Effect != EffectDeny {
					t.Fatalf("statement %d: Effect %q", i+1, st.Effect)
				}
			}
			for _, ns := range namespaces {
				for _, a := range actions {
					doc.AllowsService(ns, a)
					doc.DeniesService(ns, a)
					ServiceAllowedByLevels([][]*Document{{doc}}, ns, a)
				}
				ServicesAllowed([]*Document{doc}, namespaces, nil)
			}
			for _, action := range []string{"s3:GetObject", "ec2:RunInstances", "", ":", "*"} {
				doc.Decision(action)
			}
		}
	})
}

// FuzzMatchAction compares the NFA matcher with a regexp built from the
// pattern (which the package itself never does with user input).
func FuzzMatchAction(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", "s3:GetObject"},
		{"s3:Get*", "s3:GetObject"},
		{"S3:getobject", "s3:GetObject"},
		{"s?:*", "sts:AssumeRole"},
		{"s3*", "s3control:GetJob"},
		{"*a*a*a*b", "aaaaaaaaaaaa"},
		{"s3:\u212a*", "s3:kill"},
		{"a.b", "axb"},
		{"", ""},
		{"?", "\xff"},
		{"*\n", "x\n"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, action string) {
		got := MatchAction(pattern, action)
		if !utf8.ValidString(pattern) || len(pattern) > 1000 {
			return // regexp cannot express it; the call above must still not panic
		}
		want, ok := referenceMatch(pattern, action)
		if !ok {
			return
		}
		if got != want {
			t.Fatalf("MatchAction(%q, %q) = %v, reference says %v", pattern, action, got, want)
		}
	})
}

// referenceMatch is the obvious glob matcher: '*' → .*, '?' → ., anything
// else quoted, case-insensitive, anchored, with '.' matching newlines.
func referenceMatch(pattern, action string) (match, ok bool) {
	var expr strings.Builder
	expr.WriteString(`(?is)\A`)
	for _, r := range pattern {
		switch r {
		case '*':
			expr.WriteString(`.*`)
		case '?':
			expr.WriteString(`.`)
		default:
			expr.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	expr.WriteString(`\z`)
	re, err := regexp.Compile(expr.String())
	if err != nil {
		return false, false
	}
	return re.MatchString(action), true
}
