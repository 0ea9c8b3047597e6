package gen

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"lastaccess/engine/catalog"
)

// service is one catalog service the generated principals use.
type service struct {
	ns      string
	source  string // eventSource
	rank    int    // 0 = most popular
	global  bool   // logs in the global region
	version string // eventVersion of its records ("1.08" or "1.09")
	names   []eventName
	pick    weighted
	// inclusion is the probability that an account uses the service.
	inclusion float64
	// popularity is its weight among an account's services.
	popularity float64
}

type eventName struct {
	name     string
	readOnly bool
	data     bool // a data event (eventCategory Data)
	weight   float64
}

// popularOrder ranks well-known namespaces first, when the catalog has
// them; the rest of the catalog follows in a seeded random order.
var popularOrder = []string{
	"s3", "ec2", "sts", "iam", "lambda", "cloudwatch", "logs", "dynamodb", "kms",
	"sns", "sqs", "cloudformation", "ssm", "secretsmanager", "rds", "ecr", "ecs",
	"events", "elasticloadbalancing", "autoscaling", "route53", "cloudtrail",
	"config", "tag", "apigateway", "states", "kinesis", "glue", "athena",
	"sagemaker", "eks", "elasticache", "ses", "cloudfront", "acm",
	"organizations", "guardduty", "securityhub", "backup", "codebuild",
	"codepipeline", "firehose", "redshift", "elasticfilesystem", "wafv2",
	"xray", "cognito-idp", "a4b",
}

// globalServices log their calls in us-east-1.
var globalServices = map[string]bool{
	"iam": true, "organizations": true, "route53": true, "cloudfront": true,
	"globalaccelerator": true, "budgets": true, "ce": true, "support": true,
	"health": true, "waf": true,
}

// selectServices picks n catalog services in popularity order.
func selectServices(cat *catalog.Catalog, n int, seed uint64) []*service {
	all := cat.Services()
	usable := make([]catalog.Service, 0, len(all))
	for _, s := range all {
		src := eventSourceOf(s)
		if ns, _ := cat.NamespaceForEventSource(src); ns == s.Namespace {
			usable = append(usable, s)
		}
	}
	var ordered []catalog.Service
	taken := make(map[string]bool)
	for _, ns := range popularOrder {
		for _, s := range usable {
			if s.Namespace == ns && !taken[ns] {
				ordered = append(ordered, s)
				taken[ns] = true
			}
		}
	}
	var rest []catalog.Service
	for _, s := range usable {
		if !taken[s.Namespace] {
			rest = append(rest, s)
		}
	}
	r := newRand(seed, streamServices)
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	ordered = append(ordered, rest...)
	if n > len(ordered) {
		n = len(ordered)
	}
	out := make([]*service, n)
	for i, s := range ordered[:n] {
		sv := &service{
			ns:         s.Namespace,
			source:     eventSourceOf(s),
			rank:       i,
			global:     globalServices[s.Namespace],
			version:    "1.09",
			names:      eventNamesOf(s),
			popularity: 1 / math.Pow(float64(i+1), 0.8),
		}
		if i%3 == 2 {
			sv.version = "1.08"
		}
		switch {
		case i < 5:
			sv.inclusion = 0.95
		default:
			sv.inclusion = max(0.004, 0.9/(1+float64(i-5)/3))
		}
		w := make([]float64, len(sv.names))
		for j, en := range sv.names {
			w[j] = en.weight
		}
		sv.pick = newWeighted(w)
		out[i] = sv
	}
	return out
}

// eventSourceOf is the service's own <ns>.amazonaws.com when the catalog
// lists it (s3 lists s3-control.amazonaws.com first), else its first event
// source, else <ns>.amazonaws.com.
func eventSourceOf(s catalog.Service) string {
	own := s.Namespace + ".amazonaws.com"
	for _, src := range s.EventSources {
		if strings.EqualFold(src, own) {
			return own
		}
	}
	if len(s.EventSources) > 0 {
		return strings.ToLower(s.EventSources[0])
	}
	return own
}

// knownNames are common CloudTrail event names of well-known services, used
// when the catalog tracks no actions for them.
var knownNames = map[string][]string{
	"s3":                   {"ListBuckets", "GetBucketLocation", "GetBucketAcl", "GetBucketPolicy", "GetBucketVersioning", "ListObjects", "CreateBucket", "PutBucketPolicy", "PutBucketTagging", "DeleteBucket"},
	"ec2":                  {"DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs", "DescribeSubnets", "DescribeVolumes", "DescribeImages", "DescribeTags", "RunInstances", "StartInstances", "StopInstances", "TerminateInstances", "CreateTags", "AuthorizeSecurityGroupIngress", "CreateSecurityGroup", "DeleteSecurityGroup"},
	"sts":                  {"GetCallerIdentity", "AssumeRole", "GetSessionToken", "DecodeAuthorizationMessage"},
	"iam":                  {"ListRoles", "GetRole", "ListUsers", "GetUser", "ListPolicies", "GetPolicy", "GetPolicyVersion", "ListAttachedRolePolicies", "CreateRole", "AttachRolePolicy", "PutRolePolicy", "CreatePolicy", "DeleteRole", "CreateAccessKey", "PassRole"},
	"lambda":               {"ListFunctions", "GetFunction", "GetFunctionConfiguration", "UpdateFunctionCode", "UpdateFunctionConfiguration", "CreateFunction", "DeleteFunction", "AddPermission", "GetPolicy", "ListEventSourceMappings"},
	"cloudwatch":           {"GetMetricData", "DescribeAlarms", "ListMetrics", "GetMetricStatistics", "PutMetricAlarm", "DeleteAlarms", "ListDashboards", "PutDashboard"},
	"logs":                 {"DescribeLogGroups", "DescribeLogStreams", "FilterLogEvents", "GetLogEvents", "CreateLogGroup", "CreateLogStream", "PutRetentionPolicy", "DeleteLogGroup", "StartQuery", "GetQueryResults"},
	"dynamodb":             {"DescribeTable", "ListTables", "DescribeContinuousBackups", "DescribeTimeToLive", "CreateTable", "UpdateTable", "DeleteTable", "TagResource", "ListTagsOfResource"},
	"kms":                  {"Decrypt", "GenerateDataKey", "Encrypt", "DescribeKey", "ListKeys", "ListAliases", "GetKeyPolicy", "CreateKey", "CreateAlias", "ScheduleKeyDeletion"},
	"sns":                  {"ListTopics", "GetTopicAttributes", "ListSubscriptions", "CreateTopic", "Subscribe", "SetTopicAttributes", "DeleteTopic"},
	"sqs":                  {"ListQueues", "GetQueueAttributes", "GetQueueUrl", "CreateQueue", "SetQueueAttributes", "DeleteQueue", "PurgeQueue"},
	"cloudformation":       {"DescribeStacks", "ListStacks", "DescribeStackEvents", "GetTemplate", "DescribeStackResources", "CreateStack", "UpdateStack", "DeleteStack", "CreateChangeSet", "ExecuteChangeSet"},
	"ssm":                  {"GetParameter", "GetParameters", "GetParametersByPath", "DescribeInstanceInformation", "UpdateInstanceInformation", "ListCommands", "SendCommand", "PutParameter", "DeleteParameter", "StartSession"},
	"secretsmanager":       {"GetSecretValue", "DescribeSecret", "ListSecrets", "CreateSecret", "PutSecretValue", "UpdateSecret", "DeleteSecret", "RotateSecret"},
	"rds":                  {"DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "ListTagsForResource", "CreateDBInstance", "ModifyDBInstance", "CreateDBSnapshot", "DeleteDBInstance"},
	"ecr":                  {"GetAuthorizationToken", "DescribeRepositories", "DescribeImages", "ListImages", "BatchCheckLayerAvailability", "CreateRepository", "PutLifecyclePolicy", "DeleteRepository"},
	"ecs":                  {"DescribeClusters", "ListClusters", "DescribeServices", "ListTasks", "DescribeTasks", "DescribeTaskDefinition", "RegisterTaskDefinition", "UpdateService", "CreateService", "RunTask"},
	"events":               {"ListRules", "DescribeRule", "ListTargetsByRule", "PutRule", "PutTargets", "DeleteRule"},
	"elasticloadbalancing": {"DescribeLoadBalancers", "DescribeTargetGroups", "DescribeTargetHealth", "DescribeListeners", "CreateLoadBalancer", "RegisterTargets", "DeregisterTargets", "DeleteLoadBalancer"},
	"autoscaling":          {"DescribeAutoScalingGroups", "DescribeScalingActivities", "DescribeLaunchConfigurations", "UpdateAutoScalingGroup", "SetDesiredCapacity", "CreateAutoScalingGroup"},
	"route53":              {"ListHostedZones", "GetHostedZone", "ListResourceRecordSets", "GetChange", "ChangeResourceRecordSets", "CreateHostedZone"},
	"cloudtrail":           {"LookupEvents", "DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListTrails", "CreateTrail", "StartLogging", "StopLogging", "DeleteTrail"},
	"config":               {"DescribeConfigRules", "DescribeConfigurationRecorders", "DescribeComplianceByConfigRule", "GetComplianceDetailsByConfigRule", "PutConfigRule", "PutEvaluations"},
	"tag":                  {"GetResources", "GetTagKeys", "GetTagValues", "TagResources", "UntagResources"},
	"organizations":        {"DescribeOrganization", "ListAccounts", "DescribeAccount", "ListRoots", "ListOrganizationalUnitsForParent", "ListPolicies", "DescribePolicy", "CreatePolicy", "AttachPolicy", "MoveAccount"},
	"cloudfront":           {"ListDistributions", "GetDistribution", "GetDistributionConfig", "CreateInvalidation", "UpdateDistribution", "CreateDistribution"},
	"ses":                  {"GetSendQuota", "ListIdentities", "GetIdentityVerificationAttributes", "VerifyEmailIdentity", "DeleteIdentity"},
	"a4b":                  {"SearchRooms", "SearchDevices", "ListSkills", "GetRoom", "CreateRoom", "DeleteRoom"},
}

// dataNames are data events (eventCategory Data) of the services that have
// them.
var dataNames = map[string][]string{
	"s3":       {"GetObject", "PutObject", "HeadObject", "DeleteObject"},
	"lambda":   {"Invoke"},
	"dynamodb": {"GetItem", "PutItem", "Query", "UpdateItem", "BatchWriteItem"},
}

// versionedNames are the event names that CloudTrail records with an API
// version suffix.
var versionedNames = map[string]map[string]string{
	"lambda": {
		"ListFunctions":               "ListFunctions20150331",
		"GetFunction":                 "GetFunction20150331v2",
		"GetFunctionConfiguration":    "GetFunctionConfiguration20150331v2",
		"UpdateFunctionCode":          "UpdateFunctionCode20150331v2",
		"UpdateFunctionConfiguration": "UpdateFunctionConfiguration20150331v2",
		"CreateFunction":              "CreateFunction20150331",
		"DeleteFunction":              "DeleteFunction20150331",
		"AddPermission":               "AddPermission20150331v2",
		"GetPolicy":                   "GetPolicy20150331v2",
		"ListEventSourceMappings":     "ListEventSourceMappings20150331",
	},
	"cloudfront": {
		"ListDistributions":     "ListDistributions2020_05_31",
		"GetDistribution":       "GetDistribution2020_05_31",
		"GetDistributionConfig": "GetDistributionConfig2020_05_31",
		"CreateInvalidation":    "CreateInvalidation2020_05_31",
		"UpdateDistribution":    "UpdateDistribution2020_05_31",
		"CreateDistribution":    "CreateDistribution2020_05_31",
	},
}

// alwaysNames are event names a service's records always include, whatever
// the catalog tracks (they exercise the ingest's name mapping).
var alwaysNames = map[string][]string{
	"s3":     {"ListBuckets"},
	"lambda": {"ListFunctions20150331", "UpdateFunctionCode20150331v2"},
}

// eventNamesOf lists the event names generated for a service: well-known
// names where the package has them, the catalog's tracked actions, else
// plausible names; IAM actions that CloudTrail names differently are written
// as the event name (ListAllMyBuckets -> ListBuckets). Tracked actions that
// are not well known share a third of the service's calls: real traffic is
// dominated by a few calls.
func eventNamesOf(s catalog.Service) []eventName {
	known := knownNames[s.Namespace]
	if len(known) == 0 && len(s.TrackedActions) == 0 {
		known = synthesizedNames(s.Namespace)
	}
	// action -> event name, where the catalog renames (s3:ListBuckets ->
	// ListAllMyBuckets); the smallest event name wins for determinism.
	inverse := make(map[string]string)
	for from, to := range s.ActionRenames {
		if cur, ok := inverse[to]; !ok || from < cur {
			inverse[to] = from
		}
	}
	var out []eventName
	seen := make(map[string]bool)
	add := func(name string, data bool) bool {
		if name == "" || seen[name] {
			return false
		}
		seen[name] = true
		out = append(out, eventName{name: name, readOnly: isReadOnly(name), data: data})
		return true
	}
	for _, a := range known {
		add(eventNameFor(s.Namespace, a, inverse), false)
	}
	for _, n := range alwaysNames[s.Namespace] {
		add(n, false)
	}
	for _, n := range dataNames[s.Namespace] {
		add(n, true)
	}
	for i := range out {
		out[i].weight = nameWeight(s.Namespace, out[i])
	}
	head, headWeight := len(out), 0.0
	for _, en := range out {
		headWeight += en.weight
	}
	for _, a := range s.TrackedActions {
		add(eventNameFor(s.Namespace, a, inverse), false)
	}
	if tail := len(out) - head; tail > 0 {
		share := 1.0
		if head > 0 {
			share = headWeight / 2 / float64(tail)
		}
		for i := head; i < len(out); i++ {
			out[i].weight = share
		}
	}
	return out
}

// eventNameFor is the CloudTrail event name of an IAM action.
func eventNameFor(ns, action string, inverse map[string]string) string {
	name := action
	if e, ok := inverse[action]; ok {
		name = e
	}
	if v, ok := versionedNames[ns][name]; ok {
		name = v
	}
	return name
}

// readOnlyPrefixes start the names CloudTrail marks readOnly (KMS
// cryptographic operations included).
var readOnlyPrefixes = []string{"Describe", "List", "Get", "Head", "Lookup", "Search", "BatchGet", "Query", "Scan", "Filter", "Check", "BatchCheck", "Decrypt", "GenerateDataKey", "Encrypt"}

func isReadOnly(name string) bool {
	for _, p := range readOnlyPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// nameWeight skews the calls of a service towards reads and a few hot names.
func nameWeight(ns string, en eventName) float64 {
	switch ns + ":" + en.name {
	case "sts:GetCallerIdentity", "kms:Decrypt":
		return 12
	case "sts:AssumeRole", "kms:GenerateDataKey", "ecr:GetAuthorizationToken", "ssm:GetParameter", "secretsmanager:GetSecretValue":
		return 8
	case "s3:ListBuckets", "lambda:ListFunctions20150331", "ec2:DescribeInstances":
		return 5
	}
	switch {
	case en.data:
		return 2
	case en.readOnly:
		return 3
	}
	return 1
}

var nouns = []string{
	"Cluster", "Instance", "Domain", "Pipeline", "Job", "Stream", "Application",
	"Environment", "Project", "Workspace", "Collection", "Endpoint", "Dataset",
	"Channel", "Graph", "Fleet", "Workflow", "Repository", "Detector", "Profile",
	"Template", "Connection", "Room", "Device", "Rule", "Certificate", "Alias",
	"Policy", "Gateway", "Schedule", "Table", "Index", "Space", "Flow",
}

// synthesizedNames makes plausible event names for a service the package
// knows nothing about: Describe/List/Get/Create/... of one or two nouns
// chosen from the namespace.
func synthesizedNames(ns string) []string {
	h := fnv.New64a()
	h.Write([]byte(ns))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	a := nouns[r.IntN(len(nouns))]
	b := nouns[r.IntN(len(nouns))]
	names := []string{
		"List" + plural(a), "Describe" + a, "Get" + a, "Create" + a, "Update" + a, "Delete" + a,
		"ListTagsForResource", "TagResource",
	}
	if b != a {
		names = append(names, "List"+plural(b), "Get"+b+"Configuration", "Create"+b, "Delete"+b)
	}
	return slices.Clip(names)
}

func plural(noun string) string {
	switch {
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ay"):
		return noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"):
		return noun + "es"
	}
	return noun + "s"
}
