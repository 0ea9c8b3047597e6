package engine_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"lastaccess/engine"
)

func (te *testEnv) recommend(path string, days *int, keep []string) *engine.SCPRecommendation {
	te.t.Helper()
	rec, err := te.eng.RecommendSCP(context.Background(), engine.RecommendSCPInput{EntityPath: path, Days: days, Keep: keep})
	if err != nil {
		te.t.Fatalf("recommend at %s: %v", path, err)
	}
	return rec
}

// TestRecommendSCP, worked out by hand: at Prod SCPs allow dynamodb, ec2,
// iam and s3 (its allow list). In 180 days s3 (10 days back, a2) and iam
// (170 days back, a1 under Dev) were used; dynamodb last 200 days back and
// ec2 never, so the policy denies both, ec2 (never used) first in the
// priority; the management account's use of ec2 does not count, nor does
// a service-linked role's use of dynamodb.
func TestRecommendSCP(t *testing.T) {
	te := newTestEnv(t, whatIfNow)
	te.importOrg(scopeOrg().JSON())
	d := func(days int) time.Time { return whatIfNow.Add(-time.Duration(days) * 24 * time.Hour) }
	te.append(
		use("a", d(10), "222222222222", "user/alice", "s3", "GetObject", "us-east-1"),
		use("b", d(200), "222222222222", "user/alice", "dynamodb", "GetItem", "us-east-1"),
		use("c", d(170), "111111111111", "user/carol", "iam", "ListUsers", "us-east-1"),
		use("d", d(1), "999999999999", "user/root", "ec2", "RunInstances", "us-east-1"),
		use("e", d(2), "222222222222", "role/aws-service-role/dynamodb.amazonaws.com/AWSServiceRoleForDynamoDB", "dynamodb", "GetItem", "us-east-1"),
	)
	prod := "o-a1b2c3d4e5/r-f6g7h8i9j0example/ou-f6g7-prod0000"
	rec := te.recommend(prod, nil, nil)
	policy, _ := json.Marshal(rec.Policy)
	if string(policy) != `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["dynamodb:*","ec2:*"],"Resource":"*"}]}` ||
		!slices.Equal(rec.DeniedServices, []string{"dynamodb", "ec2"}) || len(rec.LeftOut) != 0 || rec.WhatIfJobID == nil || rec.Impact == nil || len(rec.Impact) != 0 {
		t.Fatalf("recommendation: %s %+v", policy, rec)
	}
	// The what-if is an ordinary report at Prod with the policy attached:
	// dynamodb and ec2 gone.
	r := te.fetch(*rec.WhatIfJobID, engine.SortNamespaceAscending, 100)
	if got := strings.Join(namespaces(r), ","); got != "iam,s3" {
		t.Errorf("what-if report lists %s", got)
	}
	// A window of 250 days keeps dynamodb; the keep-list keeps ec2.
	two50 := 250
	if rec := te.recommend(prod, &two50, []string{"ec2"}); len(rec.DeniedServices) != 0 || rec.Policy != nil || rec.WhatIfJobID != nil || len(rec.Impact) != 0 {
		t.Errorf("250 days, keep ec2: %+v", rec)
	}
	if rec := te.recommend(prod, nil, []string{"ec2"}); !slices.Equal(rec.DeniedServices, []string{"dynamodb"}) {
		t.Errorf("keep ec2: %+v", rec)
	}
	// As of 100 days back, s3 (10 days back) is in the future and its use
	// 110 days before that... there is none: s3 is unused in the window,
	// while dynamodb (200 days back) is used in it.
	past := d(100)
	rec, err := te.eng.RecommendSCP(context.Background(), engine.RecommendSCPInput{EntityPath: prod, AsOf: &past})
	if err != nil || !slices.Equal(rec.DeniedServices, []string{"ec2", "s3"}) {
		t.Errorf("as of 100 days back: %+v %v", rec, err)
	}

	// At the root nearly every catalog service is unused: the policy is cut
	// at 5 120 characters, never-used services first, by name; dynamodb
	// (used 200 days back) is among those left out.
	root := te.recommend("o-a1b2c3d4e5/r-f6g7h8i9j0example", nil, nil)
	text, _ := json.Marshal(root.Policy)
	if len(text) > engine.MaxSCPCharacters || len(root.LeftOut) == 0 || !slices.Contains(root.LeftOut, "dynamodb") || len(root.Impact) != 0 {
		t.Fatalf("root: %d characters, %d denied, left out %v", len(text), len(root.DeniedServices), root.LeftOut)
	}
	next, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Deny", "Action": append(slices.Clone(root.Policy.Statement[0].Action), root.LeftOut[0]+":*"), "Resource": "*"}}})
	if len(next) <= engine.MaxSCPCharacters {
		t.Errorf("%s would still fit (%d characters)", root.LeftOut[0], len(next))
	}
	lastDenied := root.DeniedServices[len(root.DeniedServices)-1]
	for _, l := range root.LeftOut {
		if l != "dynamodb" && l != "s3" && l != "iam" && l < lastDenied {
			t.Errorf("never-used %s left out while %s is denied", l, lastDenied)
		}
	}

	// Errors.
	zero := 0
	cases := []struct {
		in            engine.RecommendSCPInput
		code, message string
	}{
		{engine.RecommendSCPInput{EntityPath: prod, Days: &zero}, engine.CodeValidationError, "'days'"},
		{engine.RecommendSCPInput{EntityPath: prod, Keep: []string{"nosuchservice"}}, engine.CodeInvalidInput, "nosuchservice"},
		{engine.RecommendSCPInput{EntityPath: prod, Keep: []string{""}}, engine.CodeValidationError, "keep.1.member"},
		{engine.RecommendSCPInput{EntityPath: "o-a1b2c3d4e5/r-f6g7h8i9j0example/999999999999"}, engine.CodeInvalidInput, "management account"},
		{engine.RecommendSCPInput{EntityPath: prod + "x"}, engine.CodeNoSuchEntity, ""},
	}
	for _, c := range cases {
		_, err := te.eng.RecommendSCP(context.Background(), c.in)
		if errCode(err) != c.code || !strings.Contains(err.Error(), c.message) {
			t.Errorf("%+v: %v, want %s naming %q", c.in, err, c.code, c.message)
		}
	}
}
