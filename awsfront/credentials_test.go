package awsfront

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	keys, err := ParseCredentials("creds", []byte(`# lastaccess keys
[admin]
aws_access_key_id = AKIALASTACCESSADMIN1
aws_secret_access_key = a/b+c=
region = us-east-1

; a key for one account, read-only
[ viewer ]
AWS_ACCESS_KEY_ID=AKIALASTACCESSVIEWER
aws_secret_access_key=x
account_id = 126260889516
read_only = TRUE
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Key{
		{Name: "admin", AccessKeyID: "AKIALASTACCESSADMIN1", SecretAccessKey: "a/b+c="},
		{Name: "viewer", AccessKeyID: "AKIALASTACCESSVIEWER", SecretAccessKey: "x", AccountID: "126260889516", ReadOnly: true},
	}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("got %+v", keys)
	}
	for _, c := range []struct{ text, msg string }{
		{"", "no [section] with a key"},
		{"aws_access_key_id = AKIALASTACCESSADMIN1", "creds:1: aws_access_key_id outside a [section]"},
		{"[a]\naws_secret_access_key = x", "section [a] has no aws_access_key_id"},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1", "section [a] has no aws_secret_access_key"},
		{"[a]\naws_access_key_id = short\naws_secret_access_key = x", "creds:2: aws_access_key_id must be 16 to 128"},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = x\nreadonly = true", `creds:4: unknown setting "readonly"`},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = x\nread_only = yes", "read_only must be true or false"},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = x\naccount_id = 1234", "account_id must be 12 digits"},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = x\naws_secret_access_key = y", "sets aws_secret_access_key twice"},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = x\n[b]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = y", "sections [a] and [b] have the same"},
		{"[a]\naws_access_key_id = AKIALASTACCESSADMIN1\naws_secret_access_key = x\n[a]", "section [a] appears twice"},
		{"[a\n", "must end with ]"},
		{"[a]\njust text", `want "setting = value"`},
	} {
		if _, err := ParseCredentials("creds", []byte(c.text)); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: %v, want %q", c.text, err, c.msg)
		}
	}
}

// TestModelCheckerCatches: the model check of the other tests fails on
// what it is there to catch.
func TestModelCheckerCatches(t *testing.T) {
	m := loadModel(t)
	ok := `<ListGroupsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListGroupsResult><Groups><member><Path>/</Path><GroupName>g</GroupName><GroupId>AGPAAAAAAAAAAAAAAAAAA</GroupId><Arn>arn:aws:iam::111122223333:group/g</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></member></Groups><IsTruncated>false</IsTruncated></ListGroupsResult><ResponseMetadata><RequestId>5e22fc59-0d44-4857-9594-3ed1f20af68c</RequestId></ResponseMetadata></ListGroupsResponse>`
	m.checkResponse("ListGroups", []byte(ok), t)
	for name, edit := range map[string][2]string{
		"order":     {"<Path>/</Path><GroupName>g</GroupName>", "<GroupName>g</GroupName><Path>/</Path>"},
		"unknown":   {"<Path>/</Path>", "<Path>/</Path><Color>red</Color>"},
		"item name": {"<Groups><member>", "<Groups><item>"},
		"required":  {"<CreateDate>2026-01-01T00:00:00Z</CreateDate>", ""},
		"boolean":   {"<IsTruncated>false</IsTruncated>", "<IsTruncated>0</IsTruncated>"},
		"timestamp": {"2026-01-01T00:00:00Z", "2026-01-01 00:00:00"},
		"wrapper":   {"ListGroupsResult>", "ListGroupResult>"},
	} {
		bad := strings.ReplaceAll(ok, edit[0], edit[1])
		ft := &fakeT{TB: t}
		func() {
			defer func() { _ = recover() }()
			m.checkResponse("ListGroups", []byte(bad), ft)
		}()
		if !ft.failed {
			t.Errorf("%s: the model check accepted\n%s", name, bad)
		}
	}
}

// fakeT records a failure instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.failed = true
	panic("fatal")
}
