package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRowWalkerMatchesCodec: the report's zero-copy walk of a principal
// rollup row reads exactly what decodePrincipalRow does, so a change of
// the row format cannot silently break the entity reports.
func TestRowWalkerMatchesCodec(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 50; n++ {
		var entries []actionAccess
		for i := 0; i < r.IntN(40); i++ {
			entries = append(entries, actionAccess{Namespace: fmt.Sprintf("ns%d", r.IntN(5)), Action: fmt.Sprintf("A%d", i),
				Access: principalAccess{All: lastAccess{Time: r.Int64(), Region: "eu-west-1"}, Management: lastAccess{Time: r.Int64N(1e18), Region: []string{"", "us-east-1"}[r.IntN(2)]}}})
		}
		row := encodePrincipalRow(entries)
		want, err := decodePrincipalRow(row)
		if err != nil {
			t.Fatal(err)
		}
		var got []actionAccess
		err = forEachRowEntry(row, func(ns, action []byte, all, mgmt rawAccess) {
			got = append(got, actionAccess{Namespace: string(ns), Action: string(action),
				Access: principalAccess{All: lastAccess{all.time, string(all.region)}, Management: lastAccess{mgmt.time, string(mgmt.region)}}})
		})
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("walk: %v\n got %v\nwant %v", err, got, want)
		}
		if len(row) > 2 {
			if err := forEachRowEntry(row[:len(row)-1], func(_, _ []byte, _, _ rawAccess) {}); err == nil {
				t.Fatal("truncated row accepted")
			}
		}
	}
}

// FuzzAuthorizationDetails: the parser of `aws iam
// get-account-authorization-details` output never panics, and what it
// accepts is stored in a form that loads back into an entity graph.
func FuzzAuthorizationDetails(f *testing.F) {
	f.Add([]byte(`{"UserDetailList":[{"Path":"/","UserName":"alice","UserId":"AIDAX","Arn":"arn:aws:iam::111122223333:user/alice","GroupList":["g"],` +
		`"UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}}],` +
		`"AttachedManagedPolicies":[{"PolicyName":"ReadOnlyAccess","PolicyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}]}],` +
		`"GroupDetailList":[{"Path":"/","GroupName":"g","GroupId":"AGPAX","Arn":"arn:aws:iam::111122223333:group/g","GroupPolicyList":[{"PolicyName":"q","PolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}]}],` +
		`"RoleDetailList":[{"Path":"/ci/","RoleName":"r","RoleId":"AROAX","Arn":"arn:aws:iam::111122223333:role/ci/r","RolePolicyList":[]}],` +
		`"Policies":[{"PolicyName":"ReadOnlyAccess","PolicyId":"ANPAX","Arn":"arn:aws:iam::aws:policy/ReadOnlyAccess","Path":"/","DefaultVersionId":"v3",` +
		`"PolicyVersionList":[{"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*:Get*","*:List*"],"Resource":"*"}]},"VersionId":"v3","IsDefaultVersion":true}]}]}`))
	f.Add([]byte(`{"UserDetailList":[],"Policies":[{"Arn":"arn:aws:iam::111122223333:policy/x","PolicyVersionList":[{"Document":"not json","IsDefaultVersion":true}]}]}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"RoleDetailList":[{"RoleName":"a","Arn":"arn:aws:iam::111122223333:role/a","Path":"/"}],"IsTruncated":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		parsed, err := parseAuthorizationDetails(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if !IsAccountID(parsed.account) {
			t.Fatalf("account %q", parsed.account)
		}
		record, err := json.Marshal(parsed.details)
		if err != nil {
			t.Fatal(err)
		}
		var back authorizationDetails
		if err := json.Unmarshal(record, &back); err != nil {
			t.Fatal(err)
		}
		acct, err := parseIAMAccount(&back)
		if err != nil {
			t.Fatalf("accepted file does not load: %v", err)
		}
		st := buildIAMState(map[string]*iamAccount{parsed.account: acct})
		for arn, u := range st.users {
			if u.arn != arn || !strings.HasPrefix(arn, "arn:") {
				t.Fatalf("user %q under %q", u.arn, arn)
			}
		}
	})
}

// FuzzEntityARN: any string given as a report ARN is validated, rejected
// with one of the SPEC's codes, or parsed into parts that spell it.
func FuzzEntityARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/division/finance/alice",
		"arn:aws-cn:iam::111122223333:role/ci/deploy", "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaRole", "arn:aws:iam::111122223333:root",
		"arn:aws:sts::111122223333:assumed-role/r/s", "arn:aws:iam::111122223333:user//x",
		"arn:aws:iam::111122223333:group/", "arn:aws:iam::aws:user/x", "", "arn:::::",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v validation
		validateParams(&v, param{arnShape, requiredString(s)})
		if len(v.problems) > 0 {
			if ErrorCode(v.err()) != CodeValidationError {
				t.Fatalf("%q: %v", s, v.err())
			}
			return
		}
		a, err := parseEntityARN(s, arnUser, arnGroup, arnRole, arnPolicy)
		if err != nil {
			if ErrorCode(err) != CodeInvalidInput {
				t.Fatalf("%q: uncoded %v", s, err)
			}
			return
		}
		if got := "arn:" + a.partition + ":iam::" + a.account + ":" + a.typ + a.path + a.name; got != s {
			t.Fatalf("%q parsed as %q", s, got)
		}
		if !validIAMName(a.name) || !validIAMPath(a.path) || (a.account != "aws" && !IsAccountID(a.account)) {
			t.Fatalf("%q: accepted parts %+v", s, a.arnParts)
		}
	})
}
