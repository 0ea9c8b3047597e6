package gen

import (
	"math/rand/v2"
	"strconv"
)

type principalKind uint8

const (
	pUser principalKind = iota
	pRole
	pRoot
	pFederated
	pServiceLinked
)

// principal is an IAM identity of an account that makes calls.
type principal struct {
	kind principalKind
	// arn is the principal of SPEC §2: the user ARN, the role ARN (with its
	// path) or the account root.
	arn         string
	idType      string // userIdentity.type
	principalID string // AIDA…/AROA… unique id; the account id for root
	name        string // user or role name; federated user name
	accessKey   string // AKIA… of a user
	sessions    []string
	// federated users: the IAM user that called GetFederationToken.
	issuer *principal
	ip, ua string
	// invokedBy is set for service-linked roles: the service acting.
	invokedBy string
	mfa       bool
	// account is set for a role of another account (cross-account calls).
	account string
}

var (
	userNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "terraform", "ci-bot", "backup-agent"}
	userPaths = []string{"/", "/", "/", "/division/", "/engineering/", "/division/finance/", "/ops/"}
	roleDefs  = []struct{ name, path, sessions string }{
		{"Admin", "/", "users"},
		{"ReadOnly", "/", "users"},
		{"DeployRole", "/ci/", "ci"},
		{"order-processor-role", "/service-role/", "lambda"},
		{"DataPipelineRole", "/division/data/", "botocore"},
		{"AWSReservedSSO_AdministratorAccess_", "/aws-reserved/sso.amazonaws.com/", "sso"},
		{"AWSReservedSSO_ReadOnlyAccess_", "/aws-reserved/sso.amazonaws.com/eu-west-1/", "sso"},
		{"EC2InstanceRole", "/", "ec2"},
		{"GitHubActionsDeploy", "/ci/", "ci"},
	}
	serviceLinkedRoles = []struct{ service, name, session string }{
		{"autoscaling", "AWSServiceRoleForAutoScaling", "AutoScaling"},
		{"elasticloadbalancing", "AWSServiceRoleForElasticLoadBalancing", "ElasticLoadBalancing"},
		{"ecs", "AWSServiceRoleForECS", "ECS"},
		{"rds", "AWSServiceRoleForRDS", "RDS"},
		{"config", "AWSServiceRoleForConfig", "AWSConfig-Describe"},
		{"organizations", "AWSServiceRoleForOrganizations", "OrganizationsSession"},
		{"trustedadvisor", "AWSServiceRoleForTrustedAdvisor", "TrustedAdvisor"},
		{"sso", "AWSServiceRoleForSSO", "AWS-SSO"},
	}
	userAgents = []string{
		"aws-cli/2.15.30 Python/3.11.8 Linux/5.10.205-195.807.amzn2.x86_64 exe/x86_64.amzn.2 prompt/off",
		"Boto3/1.34.64 md/Botocore#1.34.64 ua/2.0 os/linux#5.10.210-201.852.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.64",
		"aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64",
		"APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.44.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64",
		"aws-sdk-java/2.25.26 Linux/5.10.213-201.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
		"aws-sdk-js/3.556.0 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 lang/js md/nodejs#20.12.2 exec-env/AWS_Lambda_nodejs20.x",
	}
	browserUA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	ipFirst   = []int{3, 13, 18, 34, 35, 44, 52, 54, 63, 72, 98, 104, 198, 203}
)

func randIP(r *rand.Rand) string {
	b := strconv.AppendInt(nil, int64(ipFirst[r.IntN(len(ipFirst))]), 10)
	for range 3 {
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(r.IntN(254)+1), 10)
	}
	return string(b)
}

func uniqueID(r *rand.Rand, prefix string) string {
	return prefix + randString(r, upperIDSet, 17)
}

// principals draws the identities of an account with their weights.
func newPrincipals(r *rand.Rand, acct string) ([]*principal, weighted) {
	var ps []*principal
	var w []float64
	add := func(p *principal, weight float64) {
		ps = append(ps, p)
		w = append(w, weight)
	}
	nUsers := 2 + r.IntN(4)
	var users []*principal
	for _, i := range r.Perm(len(userNames))[:nUsers] {
		name := userNames[i]
		path := userPaths[r.IntN(len(userPaths))]
		p := &principal{
			kind: pUser, idType: "IAMUser", name: name,
			arn:         "arn:aws:iam::" + acct + ":user" + path + name,
			principalID: uniqueID(r, "AIDA"),
			accessKey:   "AKIA" + randString(r, upperIDSet, 16),
			ip:          randIP(r),
			ua:          userAgents[r.IntN(len(userAgents))],
			mfa:         r.IntN(2) == 0,
		}
		if name == "terraform" {
			p.ua = userAgents[3]
		}
		users = append(users, p)
		add(p, 0.25/float64(nUsers)*(0.5+r.Float64()))
	}

	roles := []int{-1} // OrganizationAccountAccessRole
	for _, i := range r.Perm(len(roleDefs))[:2+r.IntN(3)] {
		roles = append(roles, i)
	}
	for _, i := range roles {
		name, path, kind := "OrganizationAccountAccessRole", "/", "users"
		if i >= 0 {
			name, path, kind = roleDefs[i].name, roleDefs[i].path, roleDefs[i].sessions
		}
		if kind == "sso" {
			name += randString(r, hexDigits, 16)
		}
		p := &principal{
			kind: pRole, idType: "AssumedRole", name: name,
			arn:         "arn:aws:iam::" + acct + ":role" + path + name,
			principalID: uniqueID(r, "AROA"),
			ip:          randIP(r),
			ua:          userAgents[r.IntN(len(userAgents))],
		}
		switch kind {
		case "users", "sso":
			for _, u := range r.Perm(len(userNames))[:1+r.IntN(3)] {
				s := userNames[u]
				if kind == "sso" {
					s += "@example.com"
					p.ua = browserUA
				}
				p.sessions = append(p.sessions, s)
			}
		case "ci":
			p.sessions = []string{"GitHubActions", "deploy-" + randString(r, digits, 10)}
			p.ua = userAgents[3]
		case "lambda":
			p.sessions = []string{"order-processor", "order-validator"}
			p.ua = userAgents[5]
		case "ec2":
			for range 1 + r.IntN(3) {
				p.sessions = append(p.sessions, "i-0"+randString(r, hexDigits, 16))
			}
			p.ua = userAgents[4]
		default:
			for range 1 + r.IntN(2) {
				p.sessions = append(p.sessions, "botocore-session-17"+randString(r, digits, 8))
			}
		}
		add(p, 0.6/float64(len(roles))*(0.5+r.Float64()))
	}

	add(&principal{
		kind: pRoot, idType: "Root", name: "root",
		arn: "arn:aws:iam::" + acct + ":root", principalID: acct,
		ip: randIP(r), ua: browserUA, mfa: true,
	}, 0.03)

	issuer := users[r.IntN(len(users))]
	fed := userNames[r.IntN(len(userNames))] + "-federated"
	add(&principal{
		kind: pFederated, idType: "FederatedUser", name: fed,
		arn:         "arn:aws:sts::" + acct + ":federated-user/" + fed,
		principalID: acct + ":" + fed,
		issuer:      issuer, ip: randIP(r), ua: userAgents[1],
	}, 0.05)

	slr := serviceLinkedRoles[r.IntN(len(serviceLinkedRoles))]
	svc := slr.service + ".amazonaws.com"
	add(&principal{
		kind: pServiceLinked, idType: "AssumedRole", name: slr.name,
		arn:         "arn:aws:iam::" + acct + ":role/aws-service-role/" + svc + "/" + slr.name,
		principalID: uniqueID(r, "AROA"),
		sessions:    []string{slr.session},
		ip:          svc, ua: svc, invokedBy: svc,
	}, 0.07)
	return ps, newWeighted(w)
}
