package engine_test

import (
	"context"
	"strings"
	"testing"

	"lastaccess/engine"
)

func TestImportAuthorizationDetails(t *testing.T) {
	te, b := newScenarioEnv(t)
	before := compactJSON(te.sla(b.policyARN("AppAccess"), "").ServicesLastAccessed)

	// The same account with URL-encoded documents (as the raw API returns
	// them) gives the same reports.
	enc := scenario()
	enc.URLEncoded = true
	if !strings.Contains(enc.JSON(), "%7B%22Version%22") {
		t.Fatal("builder did not URL-encode")
	}
	res := te.importIAM(enc.JSON())
	if res.Account != acctA || res.Users != 4 || res.Groups != 3 || res.Roles != 1 || res.Policies != 2 || len(res.Warnings) != 0 {
		t.Fatalf("import result %+v", res)
	}
	if got := compactJSON(te.sla(b.policyARN("AppAccess"), "").ServicesLastAccessed); got != before {
		t.Fatalf("URL-encoded documents\n got %s\nwant %s", got, before)
	}

	// Re-importing replaces the account's entities; events are untouched.
	smaller := scenario()
	smaller.Users = smaller.Users[:1]
	te.importIAM(smaller.JSON())
	if _, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: b.userARN("dave", "")}); errCode(err) != engine.CodeNoSuchEntity {
		t.Fatalf("dave after re-import: %v", err)
	}
	if got := summary(te.sla(b.userARN("alice", ""), "").ServicesLastAccessed); !strings.Contains(got, "s3=10d,user/alice") {
		t.Fatalf("alice after re-import: %s", got)
	}
	// The import survives a restart (the data is loaded on first use).
	te.reopen(scenarioNow)
	if got := summary(te.sla(b.groupARN("devs"), "").ServicesLastAccessed); got != "dynamodb=-,0 ec2=-,0 s3=10d,user/alice,us-east-1,1" {
		t.Fatalf("devs after restart: %s", got)
	}
}

func TestImportAuthorizationDetailsRejects(t *testing.T) {
	te, b := newScenarioEnv(t)
	good := b.JSON()
	cases := []struct {
		name, file string
		msgs       []string
	}{
		{"not JSON", "this is not json", []string{"not the JSON output of get-account-authorization-details"}},
		{"a JSON array", `[{"UserDetailList":[]}]`, []string{"want a JSON object"}},
		{"truncated JSON", good[:len(good)/2], []string{"not the JSON output", "line"}},
		{"wrong type", `{"UserDetailList":{"UserName":"x"}}`, []string{"UserDetailList"}},
		{"empty", `{"UserDetailList":[],"GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`, []string{"its account is unknown"}},
		{"inline document not JSON", strings.Replace(good, `"PolicyName": "EverythingButIAM",
                    "PolicyDocument": {`, `"PolicyName": "EverythingButIAM",
                    "PolicyDocument": "this is not a policy", "x": {`, 1),
			[]string{`user carol: inline policy "EverythingButIAM": policy: invalid JSON`}},
		{"managed document invalid", strings.Replace(good, `"Action": [
                                    "s3:*",`, `"Action": [
                                    7,`, 1), []string{"policy AppAccess (arn:aws:iam::111122223333:policy/AppAccess): default version v2"}},
		{"URL-encoded document broken", strings.Replace(mustURLEncoded(), "%7B%22Version", "%ZZ%22Version", 1), []string{"invalid URL encoding"}},
		{"no default version", strings.Replace(good, `"IsDefaultVersion": true`, `"IsDefaultVersion": false`, -1), []string{"no version in PolicyVersionList has IsDefaultVersion true"}},
		{"mixed accounts", strings.Replace(good, "arn:aws:iam::111122223333:user/dave", "arn:aws:iam::999988887777:user/dave", 1), []string{"user dave: ARN arn:aws:iam::999988887777:user/dave belongs to account 999988887777"}},
		{"name does not match", strings.Replace(good, `"UserName": "dave"`, `"UserName": "david"`, 1), []string{`does not end in the name "david"`}},
		{"not a user ARN", strings.Replace(good, "arn:aws:iam::111122223333:user/dave", "arn:aws:iam::111122223333:role/dave", 1), []string{`user dave: Arn "arn:aws:iam::111122223333:role/dave" is not an IAM user ARN`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := te.eng.ImportAuthorizationDetails([]byte(tc.file))
			if errCode(err) != engine.CodeInvalidInput {
				t.Fatalf("got %v, want InvalidInput", err)
			}
			for _, m := range tc.msgs {
				if !strings.Contains(err.Error(), m) {
					t.Fatalf("error %q lacks %q", err, m)
				}
			}
		})
	}
	// Nothing was changed by the rejected files.
	if got := summary(te.sla(b.policyARN("AppAccess"), "").ServicesLastAccessed); got != "dynamodb=7d,user/eng/bob,us-west-2,1 ec2=4d,user/dave,eu-west-1,1 s3=2d,user/eng/bob,eu-west-1,3" {
		t.Fatalf("after rejected imports: %s", got)
	}
}

func mustURLEncoded() string {
	b := scenario()
	b.URLEncoded = true
	return b.JSON()
}

func TestImportAuthorizationDetailsWarnings(t *testing.T) {
	te := newTestEnv(t, scenarioNow)
	b := scenario()
	b.Users[0].Groups = append(b.Users[0].Groups, "ghosts")
	b.Users[3].Attached = append(b.Users[3].Attached, "arn:aws:iam::aws:policy/ReadOnlyAccess")
	js := strings.Replace(b.JSON(), `"UserDetailList"`, `"IsTruncated": true, "Marker": "abc", "UserDetailList"`, 1)
	res := te.importIAM(js)
	all := strings.Join(res.Warnings, "\n")
	for _, w := range []string{
		"user alice: group ghosts is not in the file's GroupDetailList",
		"user dave: attached policy arn:aws:iam::aws:policy/ReadOnlyAccess is in no imported file's Policies",
		"IsTruncated",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
	// Another account's file that holds the AWS managed policy resolves
	// it: its report covers the users of both accounts.
	other := &iamBuilder{Account: "444455556666"}
	other.Users = []iamUserDef{{Name: "erin", Attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}
	other.Policies = []iamPolicyDef{{ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess", Doc: devS3Read}}
	if res := te.importIAM(other.JSON()); len(res.Warnings) != 0 {
		t.Fatalf("warnings %v", res.Warnings)
	}
	te.append(principalEvent("e1", daysAgo(1), other.userARN("erin", ""), "s3", "GetObject", "eu-west-1"),
		principalEvent("e2", daysAgo(2), b.userARN("dave", ""), "s3", "ListAllMyBuckets", "eu-west-1"))
	id, err := te.eng.GenerateServiceLastAccessedDetails(context.Background(), engine.GenerateServiceLastAccessedDetailsInput{Arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
	if err != nil {
		t.Fatal(err)
	}
	te.slaFetch(id, 100)
	got := te.entities(id, "s3", 10)
	if len(got) != 2 || got[0].EntityInfo.Name != "erin" || got[1].EntityInfo.Name != "dave" || got[1].LastAuthenticated == nil {
		t.Fatalf("entities %s", compactJSON(got))
	}
	// The user whose attached policy was unresolved now lists its services.
	if s := summary(te.sla(b.userARN("dave", ""), "").ServicesLastAccessed); s != "dynamodb=-,0 ec2=-,0 s3=2d,user/dave,eu-west-1,1" {
		t.Fatalf("dave: %s", s)
	}
}
