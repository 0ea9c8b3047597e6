package gen

import (
	"strings"
	"time"
)

// invokers are services that call on a principal's behalf (invokedBy).
var invokers = []string{"cloudformation.amazonaws.com", "AWS Internal", "ssm.amazonaws.com", "athena.amazonaws.com", "elasticmapreduce.amazonaws.com"}

// selfCallers are services calling with their own credentials (AWSService).
var selfCallers = []string{"lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "cloudformation.amazonaws.com", "config.amazonaws.com", "access-analyzer.amazonaws.com"}

var serviceEvents = []struct{ source, name string }{
	{"kms.amazonaws.com", "RotateKey"},
	{"backup.amazonaws.com", "BackupJobCompleted"},
	{"ec2.amazonaws.com", "SharedSnapshotCopyInitiated"},
	{"sso.amazonaws.com", "Federate"},
}

var authFailures = []struct{ code, msg string }{
	{"InvalidClientTokenId", "The security token included in the request is invalid."},
	{"SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	{"IncompleteSignature", "Authorization header requires 'Credential' parameter."},
	{"MissingAuthenticationToken", "Request is missing Authentication Token"},
	{"ExpiredToken", "The security token included in the request is expired"},
	{"ExpiredTokenException", "The security token included in the request is expired"},
	{"InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
	{"UnrecognizedClientException", "The security token included in the request is invalid."},
	{"AuthFailure", "AWS was not able to validate the provided access credentials"},
}

// accessDeniedCode is the error code the service uses for a denied call.
func accessDeniedCode(ns string) string {
	switch ns {
	case "ec2":
		return "Client.UnauthorizedOperation"
	case "lambda", "kms", "dynamodb", "secretsmanager", "ecr", "logs", "ecs", "ssm", "events", "kinesis", "glue", "athena", "states":
		return "AccessDeniedException"
	}
	return "AccessDenied"
}

func (ag *accountGen) newIDs(rec *Record) {
	rec.EventID = string(appendUUID(make([]byte, 0, 36), uuid4(ag.r)))
	rec.requestID = uuid4(ag.r)
	rec.keySeed = ag.r.Uint64()
}

func (ag *accountGen) region(sv *service) string {
	if sv != nil && sv.global {
		return ag.g.globalRegion
	}
	return ag.regions[ag.pickR.pick(ag.r)]
}

// callPrincipal picks a principal of the account; other than a
// service-linked role when human is set.
func (ag *accountGen) callPrincipal(human bool) *principal {
	for {
		p := ag.principals[ag.pickP.pick(ag.r)]
		if !human || p.kind != pServiceLinked {
			return p
		}
	}
}

// setPrincipal fills the identity-related fields of a call by p.
func (ag *accountGen) setPrincipal(rec *Record, p *principal) {
	r := ag.r
	rec.p = p
	rec.IdentityType = p.idType
	rec.AccountID = ag.a.id
	rec.PrincipalARN = p.arn
	rec.ip, rec.ua = p.ip, p.ua
	if len(p.sessions) > 0 {
		rec.session = p.sessions[r.IntN(len(p.sessions))]
	}
	rec.sessionAt = rec.unix - r.Int64N(3600)
	if p.kind == pServiceLinked {
		rec.ServiceLinked = true
		rec.InvokedBy = p.invokedBy
	} else if r.IntN(10) == 0 && p.ua != browserUA {
		rec.ua = userAgents[r.IntN(len(userAgents))]
	}
}

// identityARN is userIdentity.arn of a call by a principal.
func (rec *Record) identityARN() string {
	p := rec.p
	if p.idType == "AssumedRole" {
		return "arn:aws:sts::" + rec.AccountID + ":assumed-role/" + p.name + "/" + rec.session
	}
	return p.arn
}

// setCall fills the service and operation of an API call.
func (ag *accountGen) setCall(rec *Record, sv *service, en eventName) {
	rec.Namespace = sv.ns
	rec.EventSource = sv.source
	rec.EventName = en.name
	rec.readOnly = en.readOnly
	rec.Data = en.data
	rec.ver = sv.version
	if rec.ver == "" {
		rec.ver = "1.09"
	}
	rec.eventType = "AwsApiCall"
	rec.category = "Management"
	if en.data {
		rec.category = "Data"
		rec.ver = "1.09"
	}
	rec.Region = ag.region(sv)
	rec.tmpl = templateFor(sv.ns, en)
	switch rec.tmpl {
	case tmplS3:
		if en.name != "ListBuckets" {
			rec.resource = "acme-" + ag.resources[ag.r.IntN(len(ag.resources))]
		}
	case tmplAssumeRole:
		rec.resource = ag.roles[ag.r.IntN(len(ag.roles))].name
	default:
		rec.resource = ag.resources[ag.r.IntN(len(ag.resources))]
	}
}

func templateFor(ns string, en eventName) template {
	name := en.name
	switch {
	case ns == "s3":
		return tmplS3
	case ns == "sts" && name == "AssumeRole":
		return tmplAssumeRole
	case name == "GetCallerIdentity":
		return tmplNone
	case en.readOnly && (strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Describe") && strings.HasSuffix(name, "s")):
		return tmplList
	case strings.HasPrefix(name, "Create") || strings.HasPrefix(name, "Run"):
		return tmplCreate
	case strings.HasPrefix(name, "Delete") || strings.HasPrefix(name, "Terminate"):
		return tmplDelete
	}
	return tmplGet
}

// crossAccountPrincipal returns the CrossAccountReader role of another
// account of the organization (drawn once per caller account).
func (ag *accountGen) crossAccountPrincipal() *principal {
	r, accts := ag.r, ag.g.shape.accounts
	other := ag.a.id
	for other == ag.a.id {
		other = accts[r.IntN(len(accts))].id
	}
	if p, ok := ag.cross[other]; ok {
		return p
	}
	p := &principal{
		kind: pRole, idType: "AssumedRole", name: "CrossAccountReader", account: other,
		arn:         "arn:aws:iam::" + other + ":role/CrossAccountReader",
		principalID: uniqueID(r, "AROA"),
		sessions:    []string{"audit", "reporting"},
		ip:          randIP(r), ua: userAgents[1],
	}
	if ag.cross == nil {
		ag.cross = map[string]*principal{}
	}
	ag.cross[other] = p
	return p
}

// counted draws an access.
func (ag *accountGen) counted(rec *Record) {
	g, r, a := ag.g, ag.r, ag.a
	k := ag.pickS.pick(r)
	si := ag.svcs[k]
	sv := g.services[si]
	w := ag.windows[k]
	rec.Kind = KindCounted
	rec.unix = w[0] + r.Int64N(w[1]-w[0])
	ag.newIDs(rec)
	ag.setCall(rec, sv, sv.names[sv.pick.pick(r)])
	rec.RecipientAccountID = a.id
	cross := len(g.shape.accounts) > 1 && r.IntN(100) == 0
	if cross {
		// A role of another account of the organization uses a resource
		// of this one: the access belongs to the caller's account.
		ag.setPrincipal(rec, ag.crossAccountPrincipal())
		rec.AccountID = rec.p.account
	} else {
		ag.setPrincipal(rec, ag.callPrincipal(false))
	}
	if rec.InvokedBy == "" && r.IntN(30) == 0 {
		rec.InvokedBy = invokers[r.IntN(len(invokers))]
		rec.ip, rec.ua = rec.InvokedBy, rec.InvokedBy
	}
	if rec.category == "Management" && r.IntN(200) == 0 {
		rec.ver, rec.category = "1.05", "" // a legacy record without eventCategory
	}

	// The SCPs deny the whole service, Delete* actions (of the IAM action,
	// not the event name) or calls outside the locked regions.
	iamAction := func() string { return g.cfg.Catalog.ActionForEvent(sv.ns, rec.EventName) }
	scpDenied := !cross && a.blocked[si] ||
		!cross && a.deleteDenied[si] && strings.HasPrefix(iamAction(), "Delete") ||
		!cross && a.lock != nil && !a.lock.allowed[rec.Region] && !a.lock.exempt[sv.ns]
	action := ""
	switch {
	case scpDenied:
		action = sv.ns + ":" + iamAction()
		rec.errorMsg = "User: " + rec.identityARN() + " is not authorized to perform: " + action + " with an explicit deny in a service control policy"
	case r.Float64() < g.cfg.DeniedFraction:
		action = sv.ns + ":" + iamAction()
		rec.errorMsg = "User: " + rec.identityARN() + " is not authorized to perform: " + action + " because no identity-based policy allows the " + action + " action"
	}
	if action != "" {
		rec.ErrorCode = accessDeniedCode(sv.ns)
		if rec.tmpl == tmplCreate {
			rec.tmpl = tmplGet // no response for a failed call
		}
	}
	rec.Time = time.Unix(rec.unix, 0).UTC()
}

// noise draws a record of a non-counted kind.
func (ag *accountGen) noise(rec *Record, kind Kind) {
	g, r, acct := ag.g, ag.r, ag.a.id
	rec.Kind = kind
	rec.unix = g.start + r.Int64N(g.end-g.start)
	rec.RecipientAccountID = acct
	ag.newIDs(rec)
	rec.eventType = "AwsApiCall"
	rec.category = "Management"
	rec.ver = "1.09"
	sts := &service{ns: "sts", source: "sts.amazonaws.com"}
	callOn := func(human bool) {
		k := ag.pickS.pick(r)
		sv := g.services[ag.svcs[k]]
		en := sv.names[sv.pick.pick(r)]
		ag.setCall(rec, sv, en)
		if en.data {
			rec.category = "Management"
			rec.Data = false
		}
		if human {
			ag.setPrincipal(rec, ag.callPrincipal(true))
		}
	}
	switch kind {
	case KindAWSService:
		rec.IdentityType = "AWSService"
		rec.InvokedBy = selfCallers[r.IntN(len(selfCallers))]
		if r.IntN(10) < 7 {
			ag.setCall(rec, sts, eventName{name: "AssumeRole"})
			role := ag.roles[r.IntN(len(ag.roles))]
			rec.session = role.sessions[r.IntN(len(role.sessions))]
			rec.resource = role.name
		} else {
			ag.setCall(rec, &service{ns: "kms", source: "kms.amazonaws.com"}, eventName{name: "Decrypt", readOnly: true})
			rec.tmpl = tmplNone
		}
		rec.ip, rec.ua = rec.InvokedBy, rec.InvokedBy
	case KindAWSAccount:
		callOn(false)
		rec.IdentityType = "AWSAccount"
		if accts := g.shape.accounts; len(accts) > 1 && r.IntN(10) < 7 {
			for rec.AccountID == "" || rec.AccountID == acct {
				rec.AccountID = accts[r.IntN(len(accts))].id
			}
		} else {
			rec.AccountID = randString(r, digits, 12)
		}
		rec.ip, rec.ua = randIP(r), userAgents[r.IntN(len(userAgents))]
	case KindSAMLUser:
		ag.setCall(rec, sts, eventName{name: "AssumeRoleWithSAML"})
		rec.IdentityType = "SAMLUser"
		rec.tmpl = tmplSAML
		rec.other = userNames[r.IntN(len(userNames))] + "@example.com"
		rec.resource = ag.roles[r.IntN(len(ag.roles))].name
		rec.session = rec.other
		rec.ip, rec.ua = randIP(r), browserUA
	case KindWebIdentityUser:
		ag.setCall(rec, sts, eventName{name: "AssumeRoleWithWebIdentity"})
		rec.IdentityType = "WebIdentityUser"
		rec.tmpl = tmplWebIdentity
		rec.other = "repo:acme/" + resourceNames[r.IntN(len(resourceNames))] + ":ref:refs/heads/main"
		rec.resource = "GitHubActionsDeploy"
		rec.session = "GitHubActions"
		rec.ip, rec.ua = randIP(r), userAgents[2]
	case KindConsoleSignIn:
		p := ag.users[r.IntN(len(ag.users))]
		if r.IntN(5) == 0 {
			p = ag.root
		}
		ag.setCall(rec, &service{ns: "signin", source: "signin.amazonaws.com", global: true}, eventName{name: "ConsoleLogin"})
		ag.setPrincipal(rec, p)
		rec.eventType = "AwsConsoleSignIn"
		rec.tmpl = tmplConsoleLogin
		rec.ua = browserUA
	case KindServiceEvent:
		ev := serviceEvents[r.IntN(len(serviceEvents))]
		ns, _ := g.cfg.Catalog.NamespaceForEventSource(ev.source)
		ag.setCall(rec, &service{ns: ns, source: ev.source}, eventName{name: ev.name})
		rec.eventType = "AwsServiceEvent"
		rec.tmpl = tmplNone
		rec.AccountID = acct
		rec.InvokedBy = ev.source
		rec.ip, rec.ua = ev.source, ev.source
	case KindAuthFailure:
		callOn(true)
		f := authFailures[r.IntN(len(authFailures))]
		rec.ErrorCode, rec.errorMsg = f.code, f.msg
		rec.tmpl = tmplNone
		rec.InvokedBy, rec.ServiceLinked = "", false
	case KindNetworkActivity:
		callOn(true)
		rec.eventType = "AwsVpceEvent"
		rec.category = "NetworkActivity"
		rec.tmpl = tmplNone
		rec.InvokedBy = ""
		if r.IntN(2) == 0 {
			rec.ErrorCode, rec.errorMsg = "VpceAccessDenied", "The request was denied due to a VPC endpoint policy"
		}
	}
	if rec.Namespace == "sts" || rec.Namespace == "kms" {
		rec.Namespace, _ = g.cfg.Catalog.NamespaceForEventSource(rec.EventSource)
	}
	if kind != KindCounted && rec.p == nil {
		rec.PrincipalARN = ""
	}
	rec.Time = time.Unix(rec.unix, 0).UTC()
}
