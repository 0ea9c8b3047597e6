package policy

import "testing"

func TestMatchAction(t *testing.T) {
	for _, tc := range []struct {
		pattern, action string
		want            bool
	}{
		{"*", "s3:GetObject", true},
		{"*", "", true},
		{"s3:GetObject", "s3:GetObject", true},
		{"S3:getobject", "s3:GetObject", true}, // service and action ignore case
		{"s3:GetObject", "S3:GETOBJECT", true},
		{"s3:GetObject", "s3:GetObjectAcl", false}, // full-string match
		{"s3:GetObject", "xs3:GetObject", false},
		{"s3:*", "s3:GetObject", true},
		{"s3:*", "s3:", true}, // '*' matches the empty run
		{"s3:*", "s3control:GetJob", false},
		{"s3*", "s3control:GetJob", true}, // '*' spans the colon
		{"s3*", "s3:GetObject", true},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"s3:*Object", "s3:GetObject", true},
		{"s3:*Object", "s3:GetObjectAcl", false},
		{"s3:*Object*", "s3:GetObjectAcl", true},
		{"s?:*", "s3:GetObject", true},
		{"s?:*", "sts:AssumeRole", false}, // '?' is exactly one character
		{"s??:*", "sts:AssumeRole", true},
		{"s3:Get?bject", "s3:GetObject", true},
		{"s3:Get?bject", "s3:Getbject", false},
		{"*:*", "ec2:RunInstances", true},
		{"*:*", "ec2RunInstances", false},
		{"**:**", "ec2:RunInstances", true},
		{"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}, // no exponential backtracking
		{"s3:\u212a*", "s3:kill", true},                           // KELVIN SIGN folds to k, as in strings.EqualFold
		{"s3:ſ*", "s3:Select", true},                              // LONG S folds to s
		{"s3:é*", "s3:É", true},
		{"", "", true},
		{"", "s3:GetObject", false},
		{"s3", "s3:GetObject", false}, // not validated, just not matching
	} {
		if got := MatchAction(tc.pattern, tc.action); got != tc.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

func TestPatternTouchesAndCoversService(t *testing.T) {
	s3Actions := []string{"GetObject", "PutObject", "DeleteObject", "ListBucket"}
	for _, tc := range []struct {
		pattern, namespace string
		actions            []string
		touches, covers    bool
	}{
		// Without action names: reasoning on the pattern alone.
		{"*", "s3", nil, true, true},
		{"s3:*", "s3", nil, true, true},
		{"S3:*", "s3", nil, true, true},
		{"s3*", "s3", nil, true, true},
		{"s3*", "s3control", nil, true, true}, // '*' spans the colon
		{"s*:*", "s3", nil, true, true},
		{"*:*", "s3", nil, true, true},
		{"s3:Get*", "s3", nil, true, false},
		{"S3:getobject", "s3", nil, true, false},
		{"s3:GetObject", "s3", nil, true, false},
		{"s?:*", "s3", nil, true, true},
		{"s?:*", "sts", nil, false, false}, // '?' is one character: "sts" has three
		{"s??:*", "sts", nil, true, true},
		{"s3:", "s3", nil, false, false},       // an action name is not empty
		{"s3:Get:*", "s3", nil, false, false},  // action names have no ':'
		{"s3:Get-*", "s3", nil, false, false},  // nor '-'
		{"s3:?*", "s3", nil, true, true},       // every non-empty name
		{"s3:??*", "s3", nil, true, false},     // not the one-letter names
		{"s3*?", "s3", nil, true, true},        // "s3:" + X always has a third character
		{"s3:*Object", "s3", nil, true, false}, // a literal tail
		{"ec2:*", "s3", nil, false, false},
		{"s3:*", "s3control", nil, false, false},
		{"s3:*", "s", nil, false, false},
		{"iam:*", "s3", nil, false, false},
		{"s3:\u212a*", "s3", nil, true, false}, // KELVIN SIGN folds to a letter

		// With the service's action names.
		{"s3:Get*", "s3", s3Actions, true, false},
		{"s3:*Object", "s3", s3Actions, true, false},
		{"s3:*", "s3", s3Actions, true, true},
		{"s3:??*", "s3", s3Actions, true, true}, // no one-letter action exists
		{"s3:Describe*", "s3", s3Actions, false, false},
		{"s3:*t", "s3", []string{"GetObject", "PutObject"}, true, true},
		{"s3:*t", "s3", []string{"GetObject", "ListBucket"}, true, true},
		{"s3:*t", "s3", []string{"GetObject", "ListBuckets"}, true, false},
		{"ec2:*", "s3", s3Actions, false, false},
		{"*", "s3", s3Actions, true, true},
		// An empty list is no list: no real service has no actions.
		{"s3:Get*", "s3", []string{}, true, false},
		{"s3:*", "s3", []string{}, true, true},
	} {
		if got := PatternTouchesService(tc.pattern, tc.namespace, tc.actions); got != tc.touches {
			t.Errorf("PatternTouchesService(%q, %q, %q) = %v, want %v", tc.pattern, tc.namespace, tc.actions, got, tc.touches)
		}
		if got := PatternCoversService(tc.pattern, tc.namespace, tc.actions); got != tc.covers {
			t.Errorf("PatternCoversService(%q, %q, %q) = %v, want %v", tc.pattern, tc.namespace, tc.actions, got, tc.covers)
		}
	}
}

func TestPatternsCoverServiceTogether(t *testing.T) {
	for _, tc := range []struct {
		patterns []string
		actions  []string
		want     bool
	}{
		{[]string{"s3:?", "s3:??*"}, nil, true},
		{[]string{"s3:?", "s3:???*"}, nil, false}, // two-letter names are left
		{[]string{"s3:Get*", "s3:Put*"}, nil, false},
		{[]string{"s3:Get*", "s3:Put*"}, []string{"GetObject", "PutObject"}, true},
		{[]string{"s3:Get*", "s3:Put*"}, []string{"GetObject", "ListBucket"}, false},
		{nil, nil, false},
	} {
		if got := patternsCoverService(tc.patterns, "s3", tc.actions); got != tc.want {
			t.Errorf("patternsCoverService(%q, s3, %q) = %v, want %v", tc.patterns, tc.actions, got, tc.want)
		}
	}
}
