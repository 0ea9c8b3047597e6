package ingest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// fixtureGen writes realistic CloudTrail records (~1 KB each on average,
// with requestParameters/responseElements objects of varying size that a
// decoder must skip). The output depends only on the seed.
type fixtureGen struct {
	rng  *rand.Rand
	next int
	base time.Time
}

func newFixtureGen(seed uint64) *fixtureGen {
	return &fixtureGen{
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		base: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
	}
}

var fixtureSources = []struct{ source, name string }{
	{"ec2.amazonaws.com", "DescribeInstances"},
	{"s3.amazonaws.com", "ListBuckets"},
	{"s3.amazonaws.com", "GetObject"},
	{"iam.amazonaws.com", "ListRoles"},
	{"sts.amazonaws.com", "AssumeRole"},
	{"lambda.amazonaws.com", "ListFunctions20150331"},
	{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2"},
	{"monitoring.amazonaws.com", "GetMetricData"},
	{"dynamodb.amazonaws.com", "PutItem"},
	{"kms.amazonaws.com", "Decrypt"},
}

var fixtureRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}

func (g *fixtureGen) account() string {
	return fmt.Sprintf("1111222233%02d", g.rng.IntN(20))
}

// record returns one record as compact JSON.
func (g *fixtureGen) record() string {
	g.next++
	acct := g.account()
	src := fixtureSources[g.rng.IntN(len(fixtureSources))]
	region := fixtureRegions[g.rng.IntN(len(fixtureRegions))]
	t := g.base.Add(time.Duration(g.next) * 1700 * time.Millisecond)
	var ident string
	switch g.rng.IntN(10) {
	case 0, 1, 2:
		ident = fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDAEXAMPLE%06d","arn":"arn:aws:iam::%s:user/dev/user%d","accountId":"%s","accessKeyId":"AKIAEXAMPLE%06d","userName":"user%d"}`,
			g.next%1000, acct, g.next%7, acct, g.next%1000, g.next%7)
	case 9:
		ident = fmt.Sprintf(`{"type":"AWSService","invokedBy":"%s"}`, src.source)
	default:
		role := fmt.Sprintf("app-role-%d", g.next%5)
		ident = fmt.Sprintf(`{"type":"AssumedRole","principalId":"AROAEXAMPLE:%s","arn":"arn:aws:sts::%s:assumed-role/%s/session-%d","accountId":"%s","accessKeyId":"ASIAEXAMPLE%06d","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::%s:role/service/%s","accountId":"%s","userName":"%s"},"webIdFederationData":{},"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}}}`,
			role, acct, role, g.next, acct, g.next%1000, acct, role, acct, role, t.Add(-time.Hour).Format(time.RFC3339))
	}
	errPart := ""
	if g.rng.IntN(20) == 0 {
		errPart = `"errorCode":"AccessDenied","errorMessage":"User: arn:aws:sts::` + acct + `:assumed-role/x/y is not authorized to perform this action",`
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"203.0.113.%d","userAgent":"aws-cli/2.15.%d Python/3.11.6 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/%s",%s"requestParameters":%s,"responseElements":%s,"requestID":"%08x-aaaa-bbbb-cccc-%012x","eventID":"%08x-1111-2222-3333-%012x","readOnly":%t,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s"}}`,
		ident, t.Format(time.RFC3339), src.source, src.name, region, g.next%250, g.next%30, strings.ToLower(src.name),
		errPart, g.params(), g.response(), g.rng.Uint32(), g.next, g.rng.Uint32(), g.next, g.rng.IntN(2) == 0, acct, src.source)
}

// params is a requestParameters object: often small, sometimes large and
// nested, with escapes and non-ASCII text.
func (g *fixtureGen) params() string {
	switch g.rng.IntN(4) {
	case 0:
		return "null"
	case 1:
		return `{"maxResults":1000,"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}}`
	default:
		var b strings.Builder
		b.WriteString(`{"bucketName":"logs-é-bucket","key":"path/to/obj\"quoted\"\\x\u00e9","tags":[`)
		n := g.rng.IntN(8)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"key":"k%d","value":"v%d \u2603 %e","nested":{"a":[1,2.5,-3e10,true,false,null]}}`, i, g.rng.IntN(1000), g.rng.Float64())
		}
		b.WriteString(`]}`)
		return b.String()
	}
}

func (g *fixtureGen) response() string {
	if g.rng.IntN(3) != 0 {
		return "null"
	}
	var b strings.Builder
	b.WriteString(`{"instancesSet":{"items":[`)
	n := 1 + g.rng.IntN(4)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"instanceId":"i-%017x","imageId":"ami-%08x","instanceState":{"code":16,"name":"running"},"privateDnsName":"ip-10-0-%d-%d.ec2.internal","blockDeviceMapping":{"items":[{"deviceName":"/dev/xvda","ebs":{"volumeId":"vol-%017x","status":"attached","deleteOnTermination":true}}]}}`,
			g.rng.Uint64()>>4, g.rng.Uint32(), i, g.rng.IntN(255), g.rng.Uint64()>>4)
	}
	b.WriteString(`]}}`)
	return b.String()
}

// recordsFile returns {"Records":[…]} with n records, laid out as
// CloudTrail writes it (one line, no indentation).
func (g *fixtureGen) recordsFile(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(g.record())
	}
	b.WriteString("]}")
	return b.Bytes()
}

// ndjson returns n records, one per line.
func (g *fixtureGen) ndjson(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(g.record())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func gzipBytes(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}
