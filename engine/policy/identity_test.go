package policy

import (
	"slices"
	"testing"
)

func TestDecision(t *testing.T) {
	doc := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:*","ec2:Describe*"],"Resource":"*"},
		{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:eu-west-1:123456789012:table/t","Condition":{"Bool":{"aws:SecureTransport":"true"}}},
		{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"},
		{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"},
		{"Effect":"Deny","Action":"s3:ListBucket","NotResource":"arn:aws:s3:::public"},
		{"Effect":"Allow","NotAction":["iam:*","s3:*","ec2:*","dynamodb:*","lambda:Invoke*"]},
		{"Effect":"Deny","NotAction":["s3:*","ec2:*","dynamodb:*","iam:*","lambda:*"]}]}`)
	for _, tc := range []struct {
		action string
		want   Decision
	}{
		{"s3:GetBucketLocation", Allow},
		{"S3:GETBUCKETLOCATION", Allow},
		{"ec2:DescribeInstances", Allow},
		{"ec2:RunInstances", NotApplicable},
		{"dynamodb:GetItem", Allow},     // Condition and Resource of an Allow do not matter
		{"s3:DeleteBucket", Deny},       // unconditional deny wins
		{"s3:PutObject", Allow},         // conditional deny does not prove a deny
		{"s3:GetObject", Allow},         // resource-scoped deny neither
		{"s3:ListBucket", Allow},        // nor a NotResource deny
		{"lambda:ListFunctions", Allow}, // allowed by NotAction
		{"lambda:InvokeFunction", NotApplicable},
		{"iam:CreateUser", NotApplicable},
		{"sts:AssumeRole", Deny}, // denied by NotAction
	} {
		if got := doc.Decision(tc.action); got != tc.want {
			t.Errorf("Decision(%q) = %v, want %v", tc.action, got, tc.want)
		}
	}
	var none *Document
	if got := none.Decision("s3:GetObject"); got != NotApplicable {
		t.Errorf("nil Document: Decision = %v, want NotApplicable", got)
	}
}

func TestEvaluate(t *testing.T) {
	readS3 := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`)
	denyList := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:List*","Resource":"*"}]}`)
	admin := mustParse(t, fullAWSAccess)
	for _, tc := range []struct {
		name   string
		docs   []*Document
		action string
		want   bool
	}{
		{"allowed", []*Document{readS3}, "s3:GetObject", true},
		{"not allowed", []*Document{readS3}, "s3:PutObject", false},
		{"explicit deny wins over another document's allow", []*Document{readS3, denyList}, "s3:ListBucket", false},
		{"explicit deny wins over admin", []*Document{denyList, admin}, "s3:ListAllMyBuckets", false},
		{"deny of other actions", []*Document{readS3, denyList}, "s3:GetObject", true},
		{"deny alone allows nothing", []*Document{denyList}, "s3:GetObject", false},
		{"no documents", nil, "s3:GetObject", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Evaluate(tc.docs, tc.action); got != tc.want {
				t.Errorf("Evaluate(%q) = %v, want %v", tc.action, got, tc.want)
			}
		})
	}
}

func TestServicesAllowed(t *testing.T) {
	namespaces := []string{"dynamodb", "ec2", "iam", "s3", "sts"}
	s3Actions := func(ns string) []string {
		if ns == "s3" {
			return []string{"GetObject", "PutObject", "DeleteObject"}
		}
		return nil
	}
	for _, tc := range []struct {
		name      string
		docs      []string
		actionsOf func(string) []string
		want      []string
	}{
		{"admin", []string{fullAWSAccess}, nil, namespaces},
		{"one service, some actions", []string{`{"Statement":{"Effect":"Allow","Action":"s3:Get*"}}`}, nil, []string{"s3"}},
		{"NotAction", []string{`{"Statement":{"Effect":"Allow","NotAction":["iam:*","sts:*"]}}`}, nil, []string{"dynamodb", "ec2", "s3"}},
		{"allow with condition", []string{`{"Statement":{"Effect":"Allow","Action":"ec2:*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}`}, nil, []string{"ec2"}},
		{"wholly denied by another document", []string{fullAWSAccess, `{"Statement":{"Effect":"Deny","Action":["iam:*","sts:*"]}}`}, nil, []string{"dynamodb", "ec2", "s3"}},
		{"partly denied", []string{fullAWSAccess, `{"Statement":{"Effect":"Deny","Action":"s3:Delete*"}}`}, nil, namespaces},
		{"conditionally denied", []string{fullAWSAccess, `{"Statement":{"Effect":"Deny","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}`}, nil, namespaces},
		{"denied action by action, known actions", []string{fullAWSAccess, `{"Statement":{"Effect":"Deny","Action":["s3:*Object"]}}`}, s3Actions, []string{"dynamodb", "ec2", "iam", "sts"}},
		{"denied action by action, unknown actions", []string{fullAWSAccess, `{"Statement":{"Effect":"Deny","Action":["s3:*Object"]}}`}, nil, namespaces},
		{"allowed only beyond the known actions", []string{`{"Statement":{"Effect":"Allow","Action":"s3:List*"}}`}, s3Actions, nil},
		{"no documents", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var docs []*Document
			for _, text := range tc.docs {
				docs = append(docs, mustParse(t, text))
			}
			got := ServicesAllowed(docs, namespaces, tc.actionsOf)
			if got == nil || !slices.Equal(got, tc.want) {
				t.Errorf("ServicesAllowed = %#v, want %q (never nil)", got, tc.want)
			}
		})
	}
}

func TestActionsAllowed(t *testing.T) {
	docs := []*Document{
		mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:Put*","s3:CreateBucket"],"Resource":"*"}]}`),
		mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutBucket*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}`),
	}
	actions := []string{"CreateBucket", "DeleteBucket", "GetObject", "PutBucketPolicy", "PutObject"}
	want := []string{"CreateBucket", "GetObject", "PutObject"}
	if got := ActionsAllowed(docs, "s3", actions); !slices.Equal(got, want) {
		t.Errorf("ActionsAllowed = %q, want %q", got, want)
	}
	if got := ActionsAllowed(docs, "ec2", actions); got == nil || len(got) != 0 {
		t.Errorf("ActionsAllowed(ec2) = %#v, want an empty list", got)
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{NotApplicable: "NotApplicable", Allow: "Allow", Deny: "Deny", Decision(7): "Decision(7)"} {
		if got := d.String(); got != want {
			t.Errorf("Decision(%d).String() = %q, want %q", int(d), got, want)
		}
	}
}
