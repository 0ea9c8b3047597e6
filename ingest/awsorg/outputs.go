package awsorg

// The outputs of the AWS CLI commands, with the members this package
// reads (botocore's organizations model, 2016-11-28). The AWS CLI prints
// every member the API returns; those not listed here (Arn, Email,
// JoinedTimestamp, Description, …) are ignored, as are members AWS adds
// later. A list member is a pointer so that its absence, which the AWS
// CLI never prints, tells a file of another command.

type describeOrganizationOutput struct {
	Organization *struct {
		ID               string `json:"Id"`
		FeatureSet       string `json:"FeatureSet"`
		MasterAccountID  string `json:"MasterAccountId"`
		MasterAccountArn string `json:"MasterAccountArn"`
	} `json:"Organization"`
}

type policyTypeSummary struct {
	Type   string `json:"Type"`
	Status string `json:"Status"`
}

type listRootsOutput struct {
	paged
	Roots *[]struct {
		ID          string              `json:"Id"`
		Name        string              `json:"Name"`
		PolicyTypes []policyTypeSummary `json:"PolicyTypes"`
	} `json:"Roots"`
}

type listOUsForParentOutput struct {
	paged
	OrganizationalUnits *[]struct {
		ID   string `json:"Id"`
		Name string `json:"Name"`
	} `json:"OrganizationalUnits"`
}

type listAccountsForParentOutput struct {
	paged
	Accounts *[]struct {
		ID     string `json:"Id"`
		Name   string `json:"Name"`
		Status string `json:"Status"` // ACTIVE | SUSPENDED | PENDING_CLOSURE
		State  string `json:"State"`  // newer: PENDING_ACTIVATION | ACTIVE | SUSPENDED | PENDING_CLOSURE | CLOSED
	} `json:"Accounts"`
}

type policySummary struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
	Type string `json:"Type"`
}

type listPoliciesOutput struct {
	paged
	Policies *[]policySummary `json:"Policies"`
}

type describePolicyOutput struct {
	Policy *struct {
		PolicySummary *policySummary `json:"PolicySummary"`
		Content       *string        `json:"Content"`
	} `json:"Policy"`
}

type listTargetsForPolicyOutput struct {
	paged
	Targets *[]struct {
		TargetID string `json:"TargetId"`
		Type     string `json:"Type"`
	} `json:"Targets"`
}

func (o *listRootsOutput) member() (string, bool) { return "Roots", o.Roots != nil }
func (o *listOUsForParentOutput) member() (string, bool) {
	return "OrganizationalUnits", o.OrganizationalUnits != nil
}
func (o *listAccountsForParentOutput) member() (string, bool) { return "Accounts", o.Accounts != nil }
func (o *listPoliciesOutput) member() (string, bool)          { return "Policies", o.Policies != nil }
func (o *listTargetsForPolicyOutput) member() (string, bool)  { return "Targets", o.Targets != nil }
