package policy

import (
	"fmt"
	"testing"
)

// BenchmarkServicesAllowed measures the service list of an IAM report: a
// principal with 10 policies of 5 statements, against 400 namespaces.
func BenchmarkServicesAllowed(b *testing.B) {
	var docs []*Document
	for i := range 10 {
		text := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*","svc%d:Get*","svc%d:*"],"Resource":"*"},
			{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query","lambda:Invoke*"],"Resource":"arn:aws:dynamodb:*:*:table/t%d"},
			{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
			{"Effect":"Deny","Action":["s3:Delete*","svc%d:*"],"Resource":"*"},
			{"Effect":"Deny","NotAction":["s3:*","ec2:*","svc*:*","dynamodb:*","lambda:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`, i, i+1, i, i+2)
		docs = append(docs, mustParse(b, text))
	}
	namespaces := make([]string, 400)
	for i := range namespaces {
		namespaces[i] = fmt.Sprintf("svc%d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		ServicesAllowed(docs, namespaces, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/report")
}
