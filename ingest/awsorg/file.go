package awsorg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"reflect"

	"lastaccess/internal/jsonpos"
)

// The directory's layout: one file per command, or one folder per command
// with one file per argument.
const (
	fileDescribeOrganization = "describe-organization.json"
	fileListRoots            = "list-roots.json"
	dirOUsForParent          = "list-organizational-units-for-parent"
	dirAccountsForParent     = "list-accounts-for-parent"
	fileListPolicies         = "list-policies.json"
	dirDescribePolicy        = "describe-policy"
	dirTargetsForPolicy      = "list-targets-for-policy"
)

// dir reads the files of one directory.
type dir struct {
	fsys    fs.FS
	display string // the directory as the caller named it; "" for an fs.FS
}

// name is how errors name a file of the directory.
func (d *dir) name(file string) string {
	if d.display == "" {
		return file
	}
	return filepath.Join(d.display, filepath.FromSlash(file))
}

func (d *dir) fail(file string, kind error, format string, args ...any) error {
	return &FileError{File: d.name(file), Err: &problem{kind: kind, msg: fmt.Sprintf(format, args...)}}
}

// paged is the NextToken every listing may carry.
type paged struct {
	NextToken *string `json:"NextToken"`
}

func (p paged) cut() bool { return p.NextToken != nil && *p.NextToken != "" }

// lister is a listing's decoded output: whether it was cut, and its list
// member's name and presence (the AWS CLI always prints it, [] when empty).
type lister interface {
	cut() bool
	member() (name string, present bool)
}

// decode reads file, the output of command (for messages, e.g. `aws
// organizations list-roots`), into v: one JSON object, nothing after it.
// neededBy says which listing named the file, for a missing one.
func (d *dir) decode(file, command, neededBy string, v any) error {
	data, err := fs.ReadFile(d.fsys, file)
	if errors.Is(err, fs.ErrNotExist) {
		why := ""
		if neededBy != "" {
			why = " (" + neededBy + ")"
		}
		return d.fail(file, ErrMissing, "missing: the output of `%s` is needed%s", command, why)
	}
	if err != nil {
		return &FileError{File: d.name(file), Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return d.fail(file, ErrMalformed, "empty; it should hold what `%s` prints", command)
	}
	if trimmed[0] != '{' {
		return d.fail(file, ErrMalformed, "not a JSON object; it should hold what `%s --output json` prints", command)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return d.fail(file, ErrMalformed, "%s: %s is %s, where `%s` prints %s",
				jsonpos.Position(data, typ.Offset), typ.Field, article(typ.Value), command, jsonKind(typ.Type))
		}
		return d.fail(file, ErrMalformed, "not the JSON `%s` prints: %v", command, jsonpos.Describe(data, err))
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		extra := end + int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n")))
		return d.fail(file, ErrMalformed, "%s: more data after the JSON object; it should hold one output of `%s` (the AWS CLI merges a listing's pages into one)",
			jsonpos.Position(data, extra), command)
	}
	l, ok := v.(lister)
	if !ok {
		return nil
	}
	if name, present := l.member(); !present {
		return d.fail(file, ErrMalformed, "no %s member: not what `%s` prints", name, command)
	}
	if l.cut() {
		return d.fail(file, ErrCut, "the listing was cut: it ends with a NextToken, so later pages are missing (the AWS CLI prints one with --max-items or --no-paginate); run `%s` again without them, and the AWS CLI follows every page", command)
	}
	return nil
}

// article puts "a" or "an" before a JSON value kind as encoding/json
// names it ("number", "array", "object", …).
func article(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	}
	return "a " + kind
}

// jsonKind says which JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a number"
}

// perID is the file of a per-argument command: folder/<id>.json.
func perID(folder, id string) string { return path.Join(folder, id+".json") }
