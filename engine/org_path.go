package engine

import (
	"strings"
)

// ParseEntityPath checks the syntax of an entity path beyond the API
// pattern: org, root, zero or more OUs, optionally one account last. It
// returns the segments. Errors are InvalidInput.
func ParseEntityPath(p string) ([]string, error) {
	segs := strings.Split(p, "/")
	if len(segs) < 2 {
		return nil, errorf(CodeInvalidInput, "The entity path %s is malformed: it must start with the organization id and the root id.", p)
	}
	if !orgIDPattern.MatchString(segs[0]) {
		return nil, errorf(CodeInvalidInput, "The entity path %s is malformed: %q is not an organization id.", p, segs[0])
	}
	if !rootIDPattern.MatchString(segs[1]) {
		return nil, errorf(CodeInvalidInput, "The entity path %s is malformed: %q is not a root id.", p, segs[1])
	}
	for i := 2; i < len(segs); i++ {
		s := segs[i]
		switch {
		case s == "":
			return nil, errorf(CodeInvalidInput, "The entity path %s is malformed: it has an empty segment.", p)
		case ouIDPattern.MatchString(s):
		case IsAccountID(s):
			if i != len(segs)-1 {
				return nil, errorf(CodeInvalidInput, "The entity path %s is malformed: account %s must be its last segment.", p, s)
			}
		default:
			return nil, errorf(CodeInvalidInput, "The entity path %s is malformed: %q is neither an organizational unit id nor an account id.", p, s)
		}
	}
	return segs, nil
}

// ResolvePath finds the entity an entity path names: NoSuchEntity when an
// id in it does not exist in the organization, InvalidInput when the ids
// exist but the path does not follow the organization's structure.
func (o *Organization) ResolvePath(p string) (*Node, error) {
	segs, err := ParseEntityPath(p)
	if err != nil {
		return nil, err
	}
	if segs[0] != o.ID {
		return nil, errorf(CodeNoSuchEntity, "The entity path %s names organization %s, but the imported organization is %s.", p, segs[0], o.ID)
	}
	nodes := make([]*Node, 0, len(segs)-1)
	for _, id := range segs[1:] {
		n, ok := o.nodes[id]
		if !ok {
			return nil, errorf(CodeNoSuchEntity, "The entity path %s references %s, which does not exist in organization %s.", p, id, o.ID)
		}
		nodes = append(nodes, n)
	}
	if nodes[0] != o.Root {
		return nil, errorf(CodeInvalidInput, "The entity path %s does not match the organization's structure: %s is not the root.", p, segs[1])
	}
	for i := 1; i < len(nodes); i++ {
		if nodes[i].Parent != nodes[i-1] {
			return nil, errorf(CodeInvalidInput, "The entity path %s does not match the organization's structure: %s is not a child of %s (its path is %s).", p, nodes[i].ID, nodes[i-1].ID, nodes[i].Path)
		}
	}
	return nodes[len(nodes)-1], nil
}
