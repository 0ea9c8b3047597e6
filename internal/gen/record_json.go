package gen

import (
	"strconv"
	"strings"
	"time"
)

// AppendJSON appends the record as CloudTrail JSON (one object, no
// newline). It renders records that Records yields (a Record built by hand
// lacks the rendering state). It is written by hand, without reflection:
// generating millions of records is dominated by this function and gzip.
func (r *Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"eventVersion":"`...)
	b = append(b, r.ver...)
	b = append(b, `","userIdentity":`...)
	b = r.appendIdentity(b)
	b = append(b, `,"eventTime":"`...)
	b = appendTime(b, r.unix)
	b = append(b, `","eventSource":`...)
	b = appendString(b, r.EventSource)
	b = append(b, `,"eventName":`...)
	b = appendString(b, r.EventName)
	b = append(b, `,"awsRegion":`...)
	b = appendString(b, r.Region)
	b = append(b, `,"sourceIPAddress":`...)
	b = appendString(b, r.ip)
	b = append(b, `,"userAgent":`...)
	b = appendString(b, r.ua)
	if r.ErrorCode != "" {
		b = append(b, `,"errorCode":`...)
		b = appendString(b, r.ErrorCode)
		b = append(b, `,"errorMessage":`...)
		b = appendString(b, r.errorMsg)
	}
	b = r.appendRequestResponse(b)
	b = append(b, `,"requestID":"`...)
	if r.Namespace == "s3" && r.tmpl == tmplS3 {
		b = appendDerived(b, r.keySeed^0x5333, "0123456789ABCDEF", 16)
	} else {
		b = appendUUID(b, r.requestID)
	}
	b = append(b, `","eventID":"`...)
	b = append(b, r.EventID...)
	b = append(b, '"')
	if r.eventType != "AwsServiceEvent" {
		b = append(b, `,"readOnly":`...)
		b = strconv.AppendBool(b, r.readOnly)
	}
	if r.Data && r.Namespace == "s3" {
		b = r.appendS3Resources(b)
	}
	b = append(b, `,"eventType":"`...)
	b = append(b, r.eventType...)
	b = append(b, '"')
	if r.ver != "1.05" {
		b = append(b, `,"managementEvent":`...)
		b = strconv.AppendBool(b, r.category == "Management")
	}
	b = append(b, `,"recipientAccountId":"`...)
	b = append(b, r.RecipientAccountID...)
	b = append(b, '"')
	if r.Kind == KindAWSAccount || r.AccountID != r.RecipientAccountID && r.Kind == KindCounted {
		b = append(b, `,"sharedEventID":"`...)
		b = appendUUID(b, uuidFromSeed(r.keySeed^0x5e4d))
		b = append(b, '"')
	}
	if r.Kind == KindNetworkActivity {
		b = append(b, `,"vpcEndpointId":"vpce-`...)
		b = appendDerived(b, r.keySeed^0x7e, hexDigits, 17)
		b = append(b, `","vpcEndpointAccountId":"`...)
		b = append(b, r.RecipientAccountID...)
		b = append(b, '"')
	}
	if r.Kind == KindServiceEvent {
		b = append(b, `,"serviceEventDetails":{"status":"SUCCEEDED"}`...)
	}
	if r.category != "" {
		b = append(b, `,"eventCategory":"`...)
		b = append(b, r.category...)
		b = append(b, '"')
	}
	if r.ver != "1.05" && r.hasTLS() {
		if r.keySeed&3 == 0 {
			b = append(b, `,"tlsDetails":{"tlsVersion":"TLSv1.2","cipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","clientProvidedHostHeader":"`...)
		} else {
			b = append(b, `,"tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"`...)
		}
		b = r.appendHost(b)
		b = append(b, `"}`...)
	}
	if r.ua == browserUA && r.tmpl != tmplConsoleLogin {
		b = append(b, `,"sessionCredentialFromConsole":"true"`...)
	}
	return append(b, '}')
}

// hasTLS: calls made by services inside AWS carry no tlsDetails.
func (r *Record) hasTLS() bool {
	return r.InvokedBy == "" && r.Kind != KindServiceEvent && r.Kind != KindAWSService && r.tmpl != tmplConsoleLogin
}

func (r *Record) appendHost(b []byte) []byte {
	label := r.EventSource
	if i := strings.IndexByte(label, '.'); i >= 0 {
		label = label[:i]
	}
	b = append(b, label...)
	if r.Region != "us-east-1" || !globalServices[r.Namespace] {
		b = append(b, '.')
		b = append(b, r.Region...)
	}
	return append(b, ".amazonaws.com"...)
}

func (r *Record) appendIdentity(b []byte) []byte {
	switch r.Kind {
	case KindAWSService:
		b = append(b, `{"type":"AWSService","invokedBy":`...)
		b = appendString(b, r.InvokedBy)
		return append(b, '}')
	case KindAWSAccount:
		b = append(b, `{"type":"AWSAccount","principalId":"AIDA`...)
		b = appendDerived(b, r.keySeed^0xacc, upperIDSet, 17)
		b = append(b, `","accountId":"`...)
		b = append(b, r.AccountID...)
		return append(b, `"}`...)
	case KindSAMLUser:
		b = append(b, `{"type":"SAMLUser","principalId":"`...)
		b = appendIdP(b, r.RecipientAccountID)
		b = append(b, ':')
		b = append(b, r.other...)
		b = append(b, `","userName":`...)
		b = appendString(b, r.other)
		b = append(b, `,"identityProvider":"`...)
		b = appendIdP(b, r.RecipientAccountID)
		return append(b, `"}`...)
	case KindWebIdentityUser:
		b = append(b, `{"type":"WebIdentityUser","principalId":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		b = append(b, `:oidc-provider/token.actions.githubusercontent.com:sts.amazonaws.com:`...)
		b = append(b, r.other...)
		b = append(b, `","userName":`...)
		b = appendString(b, r.other)
		b = append(b, `,"identityProvider":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		return append(b, `:oidc-provider/token.actions.githubusercontent.com"}`...)
	case KindServiceEvent:
		b = append(b, `{"accountId":"`...)
		b = append(b, r.AccountID...)
		b = append(b, `","invokedBy":`...)
		b = appendString(b, r.InvokedBy)
		return append(b, '}')
	}
	p := r.p
	acct := r.AccountID
	b = append(b, `{"type":"`...)
	b = append(b, p.idType...)
	b = append(b, `","principalId":"`...)
	b = append(b, p.principalID...)
	if p.idType == "AssumedRole" {
		b = append(b, ':')
		b = append(b, r.session...)
		b = append(b, `","arn":"arn:aws:sts::`...)
		b = append(b, acct...)
		b = append(b, `:assumed-role/`...)
		b = append(b, p.name...)
		b = append(b, '/')
		b = append(b, r.session...)
	} else {
		b = append(b, `","arn":"`...)
		b = append(b, p.arn...)
	}
	b = append(b, `","accountId":"`...)
	b = append(b, acct...)
	b = append(b, '"')
	if r.tmpl != tmplConsoleLogin {
		b = append(b, `,"accessKeyId":"`...)
		if p.kind == pUser {
			b = append(b, p.accessKey...)
		} else {
			b = append(b, "ASIA"...)
			b = appendDerived(b, r.keySeed, upperIDSet, 16)
		}
		b = append(b, '"')
	}
	if p.kind == pUser {
		b = append(b, `,"userName":`...)
		b = appendString(b, p.name)
	}
	switch p.kind {
	case pRole, pServiceLinked:
		b = append(b, `,"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"`...)
		b = append(b, p.principalID...)
		b = append(b, `","arn":`...)
		b = appendString(b, p.arn)
		b = append(b, `,"accountId":"`...)
		b = append(b, acct...)
		b = append(b, `","userName":`...)
		b = appendString(b, p.name)
		b = append(b, `},"webIdFederationData":{},`...)
		b = r.appendAttributes(b, false)
		b = append(b, '}')
	case pFederated:
		b = append(b, `,"sessionContext":{"sessionIssuer":{"type":"IAMUser","principalId":"`...)
		b = append(b, p.issuer.principalID...)
		b = append(b, `","arn":`...)
		b = appendString(b, p.issuer.arn)
		b = append(b, `,"accountId":"`...)
		b = append(b, acct...)
		b = append(b, `","userName":`...)
		b = appendString(b, p.issuer.name)
		b = append(b, `},`...)
		b = r.appendAttributes(b, false)
		b = append(b, '}')
	case pRoot:
		b = append(b, `,"sessionContext":{`...)
		b = r.appendAttributes(b, true)
		b = append(b, '}')
	}
	if r.InvokedBy != "" {
		b = append(b, `,"invokedBy":`...)
		b = appendString(b, r.InvokedBy)
	}
	return append(b, '}')
}

func (r *Record) appendAttributes(b []byte, mfa bool) []byte {
	b = append(b, `"attributes":{"creationDate":"`...)
	b = appendTime(b, r.sessionAt)
	b = append(b, `","mfaAuthenticated":"`...)
	b = strconv.AppendBool(b, mfa || r.p.mfa && r.ua == browserUA)
	return append(b, `"}`...)
}

// resourceKeys name a service's resource parameter and ARN resource type.
var resourceKeys = map[string][2]string{
	"dynamodb":       {"tableName", "table"},
	"lambda":         {"functionName", "function"},
	"logs":           {"logGroupName", "log-group"},
	"sqs":            {"queueName", "queue"},
	"ecs":            {"cluster", "cluster"},
	"rds":            {"dBInstanceIdentifier", "db"},
	"secretsmanager": {"secretId", "secret"},
	"ssm":            {"name", "parameter"},
	"kms":            {"keyId", "key"},
	"cloudformation": {"stackName", "stack"},
	"ec2":            {"groupName", "security-group"},
	"iam":            {"roleName", "role"},
	"ecr":            {"repositoryName", "repository"},
	"events":         {"name", "rule"},
}

func (r *Record) appendRequestResponse(b []byte) []byte {
	keys, ok := resourceKeys[r.Namespace]
	if !ok {
		keys = [2]string{"name", "resource"}
	}
	switch r.tmpl {
	case tmplList:
		if r.keySeed&4 == 0 {
			return append(b, `,"requestParameters":null,"responseElements":null`...)
		}
		return append(b, `,"requestParameters":{"maxResults":50},"responseElements":null`...)
	case tmplGet, tmplDelete:
		b = append(b, `,"requestParameters":{"`...)
		b = append(b, keys[0]...)
		b = append(b, `":`...)
		b = appendString(b, r.resource)
		return append(b, `},"responseElements":null`...)
	case tmplCreate:
		b = append(b, `,"requestParameters":{"`...)
		b = append(b, keys[0]...)
		b = append(b, `":`...)
		b = appendString(b, r.resource)
		b = append(b, `,"tags":[{"key":"team","value":"platform"},{"key":"env","value":"prod"}]},"responseElements":{"`...)
		b = appendARNKey(b, keys[0])
		b = append(b, `":"`...)
		b = r.appendARN(b, keys[1])
		return append(b, `"}`...)
	case tmplAssumeRole:
		b = append(b, `,"requestParameters":{"roleArn":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		b = append(b, `:role/`...)
		b = append(b, r.resource...)
		b = append(b, `","roleSessionName":`...)
		b = appendString(b, r.sessionName())
		b = append(b, `,"durationSeconds":3600},"responseElements":{"credentials":`...)
		b = r.appendCredentials(b)
		b = append(b, `,"assumedRoleUser":`...)
		b = r.appendAssumedRoleUser(b)
		return append(b, '}')
	case tmplSAML:
		b = append(b, `,"requestParameters":{"sAMLAssertionID":"_`...)
		b = appendDerived(b, r.keySeed^0x5a, hexDigits, 32)
		b = append(b, `","roleSessionName":`...)
		b = appendString(b, r.other)
		b = append(b, `,"roleArn":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		b = append(b, `:role/`...)
		b = append(b, r.resource...)
		b = append(b, `","principalArn":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		b = append(b, `:saml-provider/Okta","durationSeconds":3600},"responseElements":{"credentials":`...)
		b = r.appendCredentials(b)
		b = append(b, `,"assumedRoleUser":`...)
		b = r.appendAssumedRoleUser(b)
		b = append(b, `,"subject":`...)
		b = appendString(b, r.other)
		b = append(b, `,"subjectType":"persistent","issuer":"http://www.okta.com/exk1a2b3c4d5e6f7g8h9","audience":"https://signin.aws.amazon.com/saml","nameQualifier":"`...)
		b = appendIdP(b, r.RecipientAccountID)
		return append(b, `"}`...)
	case tmplWebIdentity:
		b = append(b, `,"requestParameters":{"roleArn":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		b = append(b, `:role/`...)
		b = append(b, r.resource...)
		b = append(b, `","roleSessionName":"GitHubActions","durationSeconds":3600},"responseElements":{"credentials":`...)
		b = r.appendCredentials(b)
		b = append(b, `,"subjectFromWebIdentityToken":`...)
		b = appendString(b, r.other)
		b = append(b, `,"assumedRoleUser":`...)
		b = r.appendAssumedRoleUser(b)
		b = append(b, `,"provider":"arn:aws:iam::`...)
		b = append(b, r.RecipientAccountID...)
		return append(b, `:oidc-provider/token.actions.githubusercontent.com","audience":"sts.amazonaws.com"}`...)
	case tmplS3:
		b = append(b, `,"requestParameters":{`...)
		if r.resource != "" {
			b = append(b, `"bucketName":`...)
			b = appendString(b, r.resource)
			b = append(b, `,"Host":"`...)
			b = append(b, r.resource...)
			b = append(b, ".s3."...)
		} else {
			b = append(b, `"Host":"s3.`...)
		}
		b = append(b, r.Region...)
		b = append(b, `.amazonaws.com"`...)
		if r.Data {
			b = append(b, `,"key":"`...)
			b = r.appendObjectKey(b)
			b = append(b, '"')
		}
		b = append(b, `},"responseElements":null,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"`...)
		b = appendDerived(b, r.keySeed^0x1d2, base64Chars, 76)
		b = append(b, `","bytesTransferredOut":`...)
		b = strconv.AppendUint(b, r.keySeed>>40&0xffff, 10)
		return append(b, '}')
	case tmplConsoleLogin:
		b = append(b, `,"requestParameters":null,"responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true","MobileVersion":"No","MFAUsed":"`...)
		if r.p.mfa {
			b = append(b, "Yes"...)
		} else {
			b = append(b, "No"...)
		}
		return append(b, `"}`...)
	}
	return append(b, `,"requestParameters":null,"responseElements":null`...)
}

func (r *Record) sessionName() string {
	if r.session != "" {
		return r.session
	}
	return "botocore-session-1700000000"
}

func (r *Record) appendCredentials(b []byte) []byte {
	b = append(b, `{"accessKeyId":"ASIA`...)
	b = appendDerived(b, r.keySeed^0xc4ed, upperIDSet, 16)
	b = append(b, `","expiration":"`...)
	b = time.Unix(r.unix+3600, 0).UTC().AppendFormat(b, "Jan 2, 2006, 3:04:05 PM")
	return append(b, `"}`...)
}

func (r *Record) appendAssumedRoleUser(b []byte) []byte {
	b = append(b, `{"assumedRoleId":"AROA`...)
	b = appendDerived(b, r.keySeed^0xa50a, upperIDSet, 17)
	b = append(b, ':')
	b = append(b, r.sessionName()...)
	b = append(b, `","arn":"arn:aws:sts::`...)
	b = append(b, r.RecipientAccountID...)
	b = append(b, `:assumed-role/`...)
	b = append(b, r.resource...)
	b = append(b, '/')
	b = append(b, r.sessionName()...)
	return append(b, `"}`...)
}

// appendARNKey names the ARN in a response after the request's resource
// parameter: tableName -> tableArn, name -> arn.
func appendARNKey(b []byte, param string) []byte {
	for _, suffix := range []string{"Name", "Identifier", "Id"} {
		if strings.HasSuffix(param, suffix) {
			param = param[:len(param)-len(suffix)]
			break
		}
	}
	if param == "" || param == "name" {
		return append(b, "arn"...)
	}
	b = append(b, param...)
	return append(b, "Arn"...)
}

func (r *Record) appendARN(b []byte, typ string) []byte {
	b = append(b, "arn:aws:"...)
	b = append(b, r.Namespace...)
	b = append(b, ':')
	if !globalServices[r.Namespace] {
		b = append(b, r.Region...)
	}
	b = append(b, ':')
	b = append(b, r.RecipientAccountID...)
	b = append(b, ':')
	b = append(b, typ...)
	b = append(b, '/')
	return append(b, r.resource...)
}

func (r *Record) appendObjectKey(b []byte) []byte {
	b = append(b, "data/"...)
	n := len(b)
	b = appendTime(b, r.unix)[:n+10] // the date part
	b = append(b, "/part-"...)
	b = appendDerived(b, r.keySeed^0x0b1, hexDigits, 8)
	return append(b, ".parquet"...)
}

func (r *Record) appendS3Resources(b []byte) []byte {
	b = append(b, `,"resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::`...)
	b = append(b, r.resource...)
	b = append(b, '/')
	b = r.appendObjectKey(b)
	b = append(b, `"},{"accountId":"`...)
	b = append(b, r.RecipientAccountID...)
	b = append(b, `","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::`...)
	b = append(b, r.resource...)
	return append(b, `"}]`...)
}

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// appendIdP appends the SAML identity provider id of an account.
func appendIdP(b []byte, acct string) []byte {
	var h uint64
	for i := 0; i < len(acct); i++ {
		h = h*31 + uint64(acct[i])
	}
	b = appendDerived(b, h, base64Chars, 27)
	return append(b, '=')
}

func uuidFromSeed(seed uint64) (u [16]byte) {
	hi, lo := splitmix64(seed), splitmix64(seed+1)
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendTime appends Unix seconds as 2006-01-02T15:04:05Z.
func appendTime(b []byte, unix int64) []byte {
	days, secs := unix/86400, unix%86400
	if secs < 0 {
		days, secs = days-1, secs+86400
	}
	// civil-from-days (H. Hinnant)
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, 'T')
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	b = append(b, ':')
	b = append2(b, secs%60)
	return append(b, 'Z')
}

func append2(b []byte, v int64) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
