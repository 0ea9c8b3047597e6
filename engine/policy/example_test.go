package policy_test

import (
	"fmt"

	"lastaccess/engine/policy"
)

func ExampleServiceAllowedByLevels() {
	parse := func(text string) *policy.Document {
		doc, err := policy.ParseText(text)
		if err != nil {
			panic(err)
		}
		return doc
	}
	// Organizations snapshots hold Content as a JSON string.
	root := parse(`"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"`)
	ou := parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["dynamodb:*","iam:*","s3:*"],"Resource":"*"},
		{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`)
	account := parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"*","Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)

	levels := [][]*policy.Document{{root}, {ou}, {account}}
	for _, ns := range []string{"dynamodb", "ec2", "iam", "s3"} {
		fmt.Println(ns, policy.ServiceAllowedByLevels(levels, ns, nil))
	}
	// Output:
	// dynamodb true
	// ec2 false
	// iam false
	// s3 true
}

func ExampleParseText_error() {
	_, err := policy.ParseText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"},{"Effect":"allow","Action":"s3:*"}]}`)
	fmt.Println(err)
	// Output:
	// policy: statement 2: Effect must be "Allow" or "Deny", got "allow"
}

func ExampleEvaluate() {
	doc, _ := policy.ParseText(`%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D`)
	docs := []*policy.Document{doc}
	fmt.Println(policy.Evaluate(docs, "s3:GetObject"), policy.Evaluate(docs, "s3:PutObject"))
	fmt.Println(policy.ActionsAllowed(docs, "s3", []string{"CreateBucket", "GetObject", "GetObjectAcl"}))
	// Output:
	// true false
	// [GetObject GetObjectAcl]
}
