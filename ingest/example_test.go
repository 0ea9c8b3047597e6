package ingest_test

import (
	"fmt"
	"os"

	"lastaccess/ingest"
)

func ExampleParseRecords() {
	text := `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::123456789012:assumed-role/Deploy/ci","accountId":"123456789012","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/ci/Deploy"}}},"eventTime":"2024-05-06T07:08:09Z","eventSource":"lambda.amazonaws.com","eventName":"UpdateFunctionCode20150331v2","awsRegion":"eu-west-1","eventID":"4f1c0e8a","eventType":"AwsApiCall","eventCategory":"Management"}
{"userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"},"eventType":"AwsServiceEvent","eventID":"9b2d"}
{"eventTime":5}
`
	events, sum, errs := ingest.ParseRecords("ingest_events", []byte(text), nil)
	for _, e := range events {
		fmt.Println(e.ID, e.PrincipalARN, e.Namespace+":"+e.Action, e.Region, e.EventTime().Format("2006-01-02T15:04:05Z"))
	}
	for _, err := range errs {
		fmt.Println(err)
	}
	sum.WriteText(os.Stdout)
	// Output:
	// 4f1c0e8a arn:aws:iam::123456789012:role/ci/Deploy lambda:UpdateFunctionCode eu-west-1 2024-05-06T07:08:09Z
	// ingest_events: line 3: eventTime: want RFC 3339 string, got number
	// files:    1 read, 0 skipped (0 digest, 0 insight, 0 other), 0 failed
	// records:  3 read: 1 access events (0 ingested, 0 duplicates), 1 skipped, 1 malformed
	// bytes:    593 B read, 593 B decoded
	// skipped:
	//   eventType:AwsServiceEvent  1
	// errors:
	//   ingest_events: 1 error(s)
	//     line 3: eventTime: want RFC 3339 string, got number
}
