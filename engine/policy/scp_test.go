package policy

import (
	"slices"
	"testing"
)

// statementDoc builds a one-statement document from a statement's JSON.
func statementDoc(t testing.TB, statement string) *Document {
	t.Helper()
	return mustParse(t, `{"Version":"2012-10-17","Statement":`+statement+`}`)
}

const fullAWSAccess = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func TestAllowsService(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statement string
		allows    []string // of s3, s3control, ec2, iam, sts
	}{
		{"Allow *", `{"Effect":"Allow","Action":"*","Resource":"*"}`, []string{"s3", "s3control", "ec2", "iam", "sts"}},
		{"Allow s3:*", `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`, []string{"s3"}},
		{"Allow s3:Get*", `{"Effect":"Allow","Action":"s3:Get*"}`, []string{"s3"}},
		{"case-insensitive", `{"Effect":"Allow","Action":"S3:getobject"}`, []string{"s3"}},
		{"? is one character", `{"Effect":"Allow","Action":"s?:*"}`, []string{"s3"}},
		{"several patterns", `{"Effect":"Allow","Action":["ec2:Describe*","iam:Get*"]}`, []string{"ec2", "iam"}},
		{"Allow NotAction s3:*", `{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}`, []string{"s3control", "ec2", "iam", "sts"}},
		{"Allow NotAction s3:Get*", `{"Effect":"Allow","NotAction":"s3:Get*"}`, []string{"s3", "s3control", "ec2", "iam", "sts"}},
		{"NotAction patterns together", `{"Effect":"Allow","NotAction":["s3:?","s3:??*","ec2:*"]}`, []string{"s3control", "iam", "sts"}},
		{"condition does not matter", `{"Effect":"Allow","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`, []string{"s3"}},
		{"resource does not matter", `{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}`, []string{"s3"}},
		{"Deny allows nothing", `{"Effect":"Deny","Action":"*"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := statementDoc(t, tc.statement)
			for _, ns := range []string{"s3", "s3control", "ec2", "iam", "sts"} {
				if got, want := doc.AllowsService(ns, nil), slices.Contains(tc.allows, ns); got != want {
					t.Errorf("AllowsService(%q) = %v, want %v", ns, got, want)
				}
			}
		})
	}
}

func TestAllowsServiceWithActions(t *testing.T) {
	actions := []string{"GetObject", "PutObject"}
	for _, tc := range []struct {
		statement string
		want      bool
	}{
		{`{"Effect":"Allow","Action":"s3:Get*"}`, true},
		{`{"Effect":"Allow","Action":"s3:List*"}`, false}, // no such action in the list
		{`{"Effect":"Allow","NotAction":"s3:Get*"}`, true},
		{`{"Effect":"Allow","NotAction":["s3:Get*","s3:Put*"]}`, false}, // every action excluded
		{`{"Effect":"Allow","NotAction":"s3:*Object"}`, false},
	} {
		if got := statementDoc(t, tc.statement).AllowsService("s3", actions); got != tc.want {
			t.Errorf("%s: AllowsService(s3, %q) = %v, want %v", tc.statement, actions, got, tc.want)
		}
	}
}

func TestDeniesService(t *testing.T) {
	for _, tc := range []struct {
		name      string
		statement string
		denies    []string // of s3, s3control, ec2, iam
	}{
		{"Deny *", `{"Effect":"Deny","Action":"*","Resource":"*"}`, []string{"s3", "s3control", "ec2", "iam"}},
		{"Deny s3:*", `{"Effect":"Deny","Action":"s3:*","Resource":"*"}`, []string{"s3"}},
		{"Deny s3:*, no Resource", `{"Effect":"Deny","Action":"s3:*"}`, []string{"s3"}},
		{"Deny S3:*", `{"Effect":"Deny","Action":"S3:*"}`, []string{"s3"}},
		{"Deny s3:Delete*", `{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}`, nil},
		{"Deny with Condition", `{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}`, nil},
		{"Deny with empty Condition", `{"Effect":"Deny","Action":"s3:*","Condition":{}}`, []string{"s3"}},
		{"Deny on a bucket", `{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}`, nil},
		{"Deny on resources including *", `{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::bucket","*"]}`, []string{"s3"}},
		{"Deny with NotResource", `{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::bucket/*"}`, nil},
		{"Deny with NotPrincipal", `{"Effect":"Deny","Action":"s3:*","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"}}`, nil},
		{"Deny with Principal *", `{"Effect":"Deny","Action":"s3:*","Principal":{"AWS":"*"}}`, []string{"s3"}},
		{"Deny NotAction [ec2:*, iam:*]", `{"Effect":"Deny","NotAction":["ec2:*","iam:*"],"Resource":"*"}`, []string{"s3", "s3control"}},
		{"Deny NotAction s3:Get*", `{"Effect":"Deny","NotAction":"s3:Get*","Resource":"*"}`, []string{"s3control", "ec2", "iam"}},
		{"Deny NotAction with Condition", `{"Effect":"Deny","NotAction":["ec2:*","iam:*"],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`, nil},
		{"Deny of patterns together", `{"Effect":"Deny","Action":["s3:?","s3:??*"]}`, []string{"s3"}},
		{"Allow denies nothing", `{"Effect":"Allow","Action":"*"}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := statementDoc(t, tc.statement)
			for _, ns := range []string{"s3", "s3control", "ec2", "iam"} {
				if got, want := doc.DeniesService(ns, nil), slices.Contains(tc.denies, ns); got != want {
					t.Errorf("DeniesService(%q) = %v, want %v", ns, got, want)
				}
			}
		})
	}
}

// Parse rejects a pattern without ':' ("s3*"), but IAM documents from
// elsewhere may hold one, and the evaluation must still read its star as
// spanning the colon.
func TestStarSpansTheColon(t *testing.T) {
	allow := &Document{Statements: []Statement{{Effect: EffectAllow, Action: []string{"s3*"}}}}
	deny := &Document{Statements: []Statement{{Effect: EffectDeny, Action: []string{"s3*"}}}}
	for _, tc := range []struct {
		namespace      string
		allows, denies bool
	}{
		{"s3", true, true},
		{"s3control", true, true},
		{"s3outposts", true, true},
		{"ec2", false, false},
		{"s", false, false},
	} {
		if got := allow.AllowsService(tc.namespace, nil); got != tc.allows {
			t.Errorf("Allow s3*: AllowsService(%q) = %v, want %v", tc.namespace, got, tc.allows)
		}
		if got := deny.DeniesService(tc.namespace, nil); got != tc.denies {
			t.Errorf("Deny s3*: DeniesService(%q) = %v, want %v", tc.namespace, got, tc.denies)
		}
	}
}

func TestDeniesServiceWithActions(t *testing.T) {
	actions := []string{"GetObject", "DeleteObject"}
	for _, tc := range []struct {
		statement string
		want      bool
	}{
		{`{"Effect":"Deny","Action":"s3:Delete*"}`, false},
		{`{"Effect":"Deny","Action":["s3:Delete*","s3:Get*"]}`, true}, // every listed action
		{`{"Effect":"Deny","Action":"s3:*Object"}`, true},
		{`{"Effect":"Deny","NotAction":"s3:Put*"}`, true}, // touches no listed action
		{`{"Effect":"Deny","NotAction":"s3:Get*"}`, false},
	} {
		if got := statementDoc(t, tc.statement).DeniesService("s3", actions); got != tc.want {
			t.Errorf("%s: DeniesService(s3, %q) = %v, want %v", tc.statement, actions, got, tc.want)
		}
	}
}

func TestServiceAllowedByLevels(t *testing.T) {
	full := mustParse(t, fullAWSAccess)
	allowList := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","iam:*","s3:*"],"Resource":"*"}]}`)
	ec2Only := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`)
	denyS3 := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`)
	denyS3Conditional := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"x"}}}]}`)
	regionDeny := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}`)
	onlyIAM := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*"}]}`)

	namespaces := []string{"dynamodb", "ec2", "iam", "s3", "sts"}
	for _, tc := range []struct {
		name   string
		levels [][]*Document
		want   []string
	}{
		{"root only", [][]*Document{{full}}, namespaces},
		{"root full, OU allow-list", [][]*Document{{full}, {allowList}, {full}}, []string{"dynamodb", "iam", "s3"}},
		{"account allows only ec2", [][]*Document{{full}, {full}, {ec2Only}}, []string{"ec2"}},
		{"allow-list then ec2 only", [][]*Document{{full}, {allowList}, {ec2Only}}, nil},
		{"a deny anywhere", [][]*Document{{full, denyS3}, {full}, {full}}, []string{"dynamodb", "ec2", "iam", "sts"}},
		{"a deny at the account", [][]*Document{{full}, {allowList}, {full, denyS3}}, []string{"dynamodb", "iam"}},
		{"a conditional deny", [][]*Document{{full, denyS3Conditional}, {full}}, namespaces},
		{"region deny with NotAction and Condition", [][]*Document{{full, regionDeny}}, namespaces},
		{"deny all but iam", [][]*Document{{full}, {full, onlyIAM}}, []string{"iam"}},
		{"an empty level allows nothing", [][]*Document{{full}, {}, {full}}, nil},
		{"a nil document allows nothing", [][]*Document{{full}, {nil}}, nil},
		{"no levels", nil, namespaces},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, ns := range namespaces {
				if ServiceAllowedByLevels(tc.levels, ns, nil) {
					got = append(got, ns)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("allowed = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServiceAllowedByLevelsWithActions(t *testing.T) {
	full := mustParse(t, fullAWSAccess)
	denyWrites := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:Put*","s3:Delete*"]}]}`)
	readOnly := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"]}]}`)
	levels := [][]*Document{{full, denyWrites}, {readOnly}}
	for _, tc := range []struct {
		actions []string
		want    bool
	}{
		{nil, true}, // some s3 action may be neither Put nor Delete
		{[]string{"PutObject", "DeleteObject"}, false}, // every action denied
		{[]string{"GetObject", "PutObject"}, true},
		{[]string{"PutObject", "CreateBucket"}, false}, // the OU allows neither
	} {
		if got := ServiceAllowedByLevels(levels, "s3", tc.actions); got != tc.want {
			t.Errorf("ServiceAllowedByLevels(s3, %q) = %v, want %v", tc.actions, got, tc.want)
		}
	}
}

func TestActionAllowedByLevels(t *testing.T) {
	doc := func(s string) *Document {
		d, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	full := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	denyDelete := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`)
	denyCond := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	denyOneBucket := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b"}]}`)
	onlyEC2 := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)
	notIAM := doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*"}]}`)
	cases := []struct {
		levels [][]*Document
		action string
		want   bool
	}{
		{nil, "s3:GetObject", true},
		{[][]*Document{{full}}, "s3:GetObject", true},
		{[][]*Document{{full, denyDelete}}, "s3:DeleteBucket", false},
		{[][]*Document{{full, denyDelete}}, "S3:deleteobject", false},
		{[][]*Document{{full, denyDelete}}, "s3:GetObject", true},
		{[][]*Document{{full, denyCond}}, "s3:GetObject", true},
		{[][]*Document{{full, denyOneBucket}}, "s3:GetObject", true},
		{[][]*Document{{full}, {onlyEC2}}, "s3:GetObject", false},
		{[][]*Document{{full}, {onlyEC2}}, "ec2:RunInstances", true},
		{[][]*Document{{full}, {}}, "ec2:RunInstances", false},
		{[][]*Document{{full, notIAM}}, "s3:GetObject", false},
		{[][]*Document{{full, notIAM}}, "iam:ListUsers", true},
	}
	for i, c := range cases {
		if got := ActionAllowedByLevels(c.levels, c.action); got != c.want {
			t.Errorf("case %d: ActionAllowedByLevels(%s) = %v, want %v", i, c.action, got, c.want)
		}
	}
	if !denyDelete.TouchesService("s3", nil) || denyDelete.TouchesService("ec2", nil) || !notIAM.TouchesService("s3", nil) || notIAM.TouchesService("iam", nil) {
		t.Error("TouchesService: wrong answer")
	}
}
