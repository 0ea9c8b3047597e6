package jsonpos

import (
	"encoding/json"
	"errors"
	"io"
	"testing"
)

func TestDescribe(t *testing.T) {
	cases := []struct{ in, want string }{
		{"{\n  \"a\": 1,\n  \"b\": x\n}", "line 3, column 9: invalid character 'x' looking for beginning of value"},
		{"{\"a\": \"s\"}", "line 1, column 10: json: cannot unmarshal string into Go struct field .A of type int"},
	}
	for _, tc := range cases {
		var v struct{ A int }
		err := Describe([]byte(tc.in), json.Unmarshal([]byte(tc.in), &v))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: got %v, want %s", tc.in, err, tc.want)
		}
	}
	if err := Describe(nil, io.ErrUnexpectedEOF); !errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != io.ErrUnexpectedEOF.Error() {
		t.Errorf("a positionless error changed: %v", err)
	}
}

func TestKind(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1}`: "object", ` [1]`: "array", "\n\"s\"": "string", "true": "boolean", "false": "boolean",
		"null": "null", "-1": "number", "12e3": "number", "": "nothing", " \t\r\n": "nothing",
	} {
		if got := Kind([]byte(in)); got != want {
			t.Errorf("Kind(%q) = %q, want %q", in, got, want)
		}
	}
}
