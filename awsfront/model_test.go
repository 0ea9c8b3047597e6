package awsfront

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// testdata/iam-model.json is botocore's model of IAM
// (botocore/data/iam/2010-05-08/service-2.json, Apache License 2.0)
// trimmed to the operations lastaccess answers and the shapes they reach,
// documentation removed. Every response the tests produce is checked
// against it: element names, the model's member order, <member> lists,
// required members, and the lexical form of each scalar.

type iamModel struct {
	Metadata struct {
		XMLNamespace string `json:"xmlNamespace"`
	} `json:"metadata"`
	Operations map[string]struct {
		Output struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]*modelShape `json:"shapes"`
}

type modelShape struct {
	Type     string       `json:"type"`
	Members  memberList   `json:"members"`
	Member   *modelMember `json:"member"`
	Required []string     `json:"required"`
	Enum     []string     `json:"enum"`
	Min      *float64     `json:"min"`
	Max      *float64     `json:"max"`
}

type modelMember struct {
	Name  string
	Shape string `json:"shape"`
}

// memberList keeps the members in the model's order.
type memberList []modelMember

func (l *memberList) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var m modelMember
		if err := dec.Decode(&m); err != nil {
			return err
		}
		m.Name = tok.(string)
		*l = append(*l, m)
	}
	return nil
}

func loadModel(t testing.TB) *iamModel {
	t.Helper()
	data, err := os.ReadFile("testdata/iam-model.json")
	if err != nil {
		t.Fatal(err)
	}
	var m iamModel
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// checkResponse verifies a successful response of op against the model.
func (m *iamModel) checkResponse(op string, body []byte, t testing.TB) {
	t.Helper()
	root := parseNode(t, body)
	o, ok := m.Operations[op]
	if !ok {
		t.Fatalf("no operation %s in the model", op)
	}
	var problems []string
	if root.name != op+"Response" || len(root.attrs) != 1 || root.attrs[0].Name.Local != "xmlns" || root.attrs[0].Value != m.Metadata.XMLNamespace {
		problems = append(problems, fmt.Sprintf("root <%s %v>", root.name, root.attrs))
	}
	if len(root.children) != 2 || root.children[0].name != o.Output.ResultWrapper || root.children[1].name != "ResponseMetadata" {
		t.Fatalf("%s: want <%s> then <ResponseMetadata>:\n%s", op, o.Output.ResultWrapper, body)
	}
	md := root.children[1]
	if len(md.children) != 1 || md.children[0].name != "RequestId" || uuid.Validate(md.children[0].text) != nil {
		problems = append(problems, "ResponseMetadata must hold one RequestId (a UUID)")
	}
	m.check(root.children[0], o.Output.Shape, o.Output.ResultWrapper, &problems)
	if len(problems) > 0 {
		t.Fatalf("%s does not follow the model:\n  %s\n%s", op, strings.Join(problems, "\n  "), body)
	}
}

func (m *iamModel) check(n *node, shapeName, path string, problems *[]string) {
	s := m.Shapes[shapeName]
	bad := func(format string, args ...any) {
		*problems = append(*problems, path+": "+fmt.Sprintf(format, args...))
	}
	if s.Type != "structure" && s.Type != "list" && len(n.children) > 0 {
		bad("a %s has child elements", s.Type)
		return
	}
	switch s.Type {
	case "structure":
		next := 0 // members must come in the model's order, each once
		seen := map[string]bool{}
		for _, c := range n.children {
			i := slices.IndexFunc(s.Members, func(mm modelMember) bool { return mm.Name == c.name })
			switch {
			case i < 0:
				bad("<%s> is not a member of %s", c.name, shapeName)
				continue
			case i < next:
				bad("<%s> out of the model's order (or repeated)", c.name)
			}
			next = i + 1
			seen[c.name] = true
			m.check(c, s.Members[i].Shape, path+"/"+c.name, problems)
		}
		for _, r := range s.Required {
			if !seen[r] {
				bad("required member <%s> missing", r)
			}
		}
	case "list":
		for i, c := range n.children {
			if c.name != "member" {
				bad("list item <%s>, want <member>", c.name)
				continue
			}
			m.check(c, s.Member.Shape, fmt.Sprintf("%s/member[%d]", path, i+1), problems)
		}
		if s.Min != nil && float64(len(n.children)) < *s.Min || s.Max != nil && float64(len(n.children)) > *s.Max {
			bad("%d items, outside [%v, %v]", len(n.children), s.Min, s.Max)
		}
	case "string":
		if len(s.Enum) > 0 && !slices.Contains(s.Enum, n.text) {
			bad("%q not in %v", n.text, s.Enum)
		}
		if s.Min != nil && float64(len([]rune(n.text))) < *s.Min || s.Max != nil && float64(len([]rune(n.text))) > *s.Max {
			bad("length %d outside [%v, %v]", len([]rune(n.text)), s.Min, s.Max)
		}
	case "integer":
		v, err := strconv.Atoi(n.text)
		if err != nil {
			bad("%q is not an integer", n.text)
		} else if s.Min != nil && float64(v) < *s.Min || s.Max != nil && float64(v) > *s.Max {
			bad("%d outside [%v, %v]", v, s.Min, s.Max)
		}
	case "boolean":
		if n.text != "true" && n.text != "false" {
			bad("%q is not true or false", n.text)
		}
	case "timestamp":
		ts, err := time.Parse(time.RFC3339Nano, n.text)
		if err != nil || !strings.HasSuffix(n.text, "Z") || ts.Location() != time.UTC {
			bad("%q is not an ISO 8601 time in UTC", n.text)
		}
	default:
		bad("unexpected shape type %s", s.Type)
	}
}

// checkError verifies an error envelope.
func checkErrorEnvelope(t testing.TB, body []byte) {
	t.Helper()
	root := parseNode(t, body)
	names := func(n *node) []string {
		var out []string
		for _, c := range n.children {
			out = append(out, c.name)
		}
		return out
	}
	if root.name != "ErrorResponse" || !slices.Equal(names(root), []string{"Error", "RequestId"}) ||
		!slices.Equal(names(root.children[0]), []string{"Type", "Code", "Message"}) || uuid.Validate(root.children[1].text) != nil {
		t.Fatalf("error envelope:\n%s", body)
	}
}
