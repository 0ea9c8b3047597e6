// Package catalog is the universe of AWS services a report can list: each
// service namespace, its name as AWS prints it, the CloudTrail event sources
// that belong to it, the CloudTrail event names whose IAM action differs,
// and, per action, what AWS's service reference says about it: tracked
// for action last accessed information, supported by IAM Access Analyzer
// policy generation, and which actions each API operation needs.
//
// The default catalog is services.json, written for this project and
// embedded in the binary. It imports nothing from the rest of lastaccess.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	gojson "github.com/goccy/go-json"
)

// unmarshal decodes with goccy/go-json, which reads the catalog several
// times faster than encoding/json (every command parses it at start-up).
// It follows encoding/json's rules; a document it rejects is decoded again
// by encoding/json, whose error messages the errors keep.
func unmarshal(data []byte, v any) error {
	if fastUnmarshal(data, v) {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero() // what the fast decoder filled in
	return json.Unmarshal(data, v)
}

func fastUnmarshal(data []byte, v any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return gojson.Unmarshal(data, v) == nil
}

//go:embed services.json
var defaultData []byte

// FormatVersion is the version of the catalog file format this package reads.
const FormatVersion = 1

// Service is one entry of the catalog.
type Service struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// EventSources are the CloudTrail eventSource values that map to this
	// namespace. A source not listed anywhere maps to its host's first label.
	EventSources []string `json:"eventSources,omitempty"`
	// ActionRenames maps a CloudTrail eventName (after API-version suffixes
	// are removed) to the IAM action it is authorized as, where they differ.
	ActionRenames map[string]string `json:"actionRenames,omitempty"`
	// TrackedActions are the actions with action-level last accessed
	// information (ACTION_LEVEL reports): the service reference's
	// "IAM Action Last Accessed". Empty for other services.
	TrackedActions []string `json:"trackedActions,omitempty"`
	// PolicyGenerationActions are the actions IAM Access Analyzer policy
	// generation supports (the service reference's "IAM Access Analyzer
	// Policy Generation").
	PolicyGenerationActions []string `json:"policyGenerationActions,omitempty"`
	// Operations maps an API operation (a CloudTrail eventName) to the
	// actions, "service:Action", it is authorized by, for the operations
	// whose actions are not just the same-named action of this service
	// (those are implied). An empty list: the operation needs no
	// permission. An operation the service reference lists without
	// authorized actions is left out.
	Operations map[string][]string `json:"operations,omitempty"`
}

type file struct {
	FormatVersion int       `json:"formatVersion"`
	Services      []Service `json:"services"`
}

// Catalog is immutable once built; it is safe for concurrent use.
type Catalog struct {
	services []Service         // sorted by namespace, byte-wise
	byNS     map[string]int    // namespace -> index in services
	bySource map[string]string // eventSource -> namespace (explicit entries)
	renames  map[string]string // "ns:EventName" -> IAM action
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalog. It panics only if the embedded file
// is broken, which the package tests rule out.
func Default() *Catalog {
	defaultOnce.Do(func() { defaultCat, defaultErr = Parse(defaultData) })
	if defaultErr != nil {
		panic("catalog: embedded services.json: " + defaultErr.Error())
	}
	return defaultCat
}

// DefaultData returns the embedded catalog file.
func DefaultData() []byte { return append([]byte(nil), defaultData...) }

// The validators below are loops, not regular expressions: the embedded
// catalog holds tens of thousands of names and every command parses it
// at start-up.

// validNamespace: ^[a-z0-9][a-z0-9-]*$.
func validNamespace(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validSource is a host name: dot-separated labels of lower-case letters,
// digits and '-', a label neither starting nor ending with '-'
// (CloudTrail event sources such as s3.amazonaws.com).
func validSource(s string) bool {
	if s == "" {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || !validNamespace(label) {
			return false
		}
	}
	return true
}

// validAction is an IAM action name without its namespace:
// ^[A-Za-z0-9][A-Za-z0-9_.-]*$.
func validAction(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// validQualifiedAction is "namespace:Action".
func validQualifiedAction(s string) bool {
	ns, action, ok := strings.Cut(s, ":")
	return ok && validNamespace(ns) && validAction(action)
}

// Parse reads a catalog in this package's format and validates it.
func Parse(data []byte) (*Catalog, error) {
	var f file
	if err := unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if f.FormatVersion != FormatVersion {
		if f.FormatVersion == 0 {
			return nil, fmt.Errorf("catalog: missing formatVersion (want %d)", FormatVersion)
		}
		return nil, fmt.Errorf("catalog: formatVersion %d, want %d", f.FormatVersion, FormatVersion)
	}
	for i := range f.Services {
		f.Services[i] = normalizeEmpty(f.Services[i])
	}
	return build(f.Services)
}

// New builds a catalog from services, validating namespaces, names, event
// sources and action names. The services are copied: later changes to the
// argument do not reach the catalog.
func New(services []Service) (*Catalog, error) {
	owned := make([]Service, len(services))
	for i, s := range services {
		owned[i] = cloneService(s)
	}
	return build(owned)
}

// build is New over services that the catalog may keep as they are
// (freshly decoded or cloned): copying the embedded catalog's tens of
// thousands of names once more would double its start-up cost.
func build(services []Service) (*Catalog, error) {
	if len(services) == 0 {
		return nil, errors.New("catalog: no services")
	}
	c := &Catalog{
		services: services,
		byNS:     make(map[string]int, len(services)),
		bySource: make(map[string]string),
		renames:  make(map[string]string),
	}
	sort.SliceStable(c.services, func(i, j int) bool { return c.services[i].Namespace < c.services[j].Namespace })
	for i, s := range c.services {
		if !validNamespace(s.Namespace) {
			return nil, fmt.Errorf("catalog: invalid namespace %q (want lower-case letters, digits and '-')", s.Namespace)
		}
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("catalog: service %q: empty name", s.Namespace)
		}
		if _, dup := c.byNS[s.Namespace]; dup {
			return nil, fmt.Errorf("catalog: duplicate namespace %q", s.Namespace)
		}
		c.byNS[s.Namespace] = i
		var sources []string
		for _, src := range s.EventSources {
			src = strings.ToLower(strings.TrimSpace(src))
			if !validSource(src) {
				return nil, fmt.Errorf("catalog: service %q: invalid event source %q", s.Namespace, src)
			}
			if prev, dup := c.bySource[src]; dup && prev != s.Namespace {
				return nil, fmt.Errorf("catalog: event source %q belongs to both %q and %q", src, prev, s.Namespace)
			}
			if _, dup := c.bySource[src]; !dup {
				sources = append(sources, src)
			}
			c.bySource[src] = s.Namespace
		}
		c.services[i].EventSources = sources
		for from, to := range s.ActionRenames {
			if !validAction(from) || !validAction(to) {
				return nil, fmt.Errorf("catalog: service %q: invalid action rename %q -> %q", s.Namespace, from, to)
			}
			c.renames[s.Namespace+":"+from] = to
		}
		for _, a := range s.TrackedActions {
			if !validAction(a) {
				return nil, fmt.Errorf("catalog: service %q: invalid tracked action %q", s.Namespace, a)
			}
		}
		for _, a := range s.PolicyGenerationActions {
			if !validAction(a) {
				return nil, fmt.Errorf("catalog: service %q: invalid policy generation action %q", s.Namespace, a)
			}
		}
		for op, actions := range s.Operations {
			if !validAction(op) {
				return nil, fmt.Errorf("catalog: service %q: invalid operation %q", s.Namespace, op)
			}
			for _, a := range actions {
				if !validQualifiedAction(a) {
					return nil, fmt.Errorf("catalog: service %q: operation %s: invalid action %q (want service:Action)", s.Namespace, op, a)
				}
			}
		}
	}
	return c, nil
}

func cloneService(s Service) Service {
	s.EventSources = cloneList(s.EventSources)
	s.TrackedActions = cloneList(s.TrackedActions)
	s.PolicyGenerationActions = cloneList(s.PolicyGenerationActions)
	if len(s.ActionRenames) > 0 {
		s.ActionRenames = maps.Clone(s.ActionRenames)
	} else {
		s.ActionRenames = nil
	}
	if len(s.Operations) > 0 {
		ops := make(map[string][]string, len(s.Operations))
		for op, actions := range s.Operations {
			ops[op] = append([]string{}, actions...) // an empty list stays a list
		}
		s.Operations = ops
	} else {
		s.Operations = nil
	}
	return s
}

// normalizeEmpty makes empty lists and maps nil, as cloneService does,
// without copying.
func normalizeEmpty(s Service) Service {
	if len(s.EventSources) == 0 {
		s.EventSources = nil
	}
	if len(s.TrackedActions) == 0 {
		s.TrackedActions = nil
	}
	if len(s.PolicyGenerationActions) == 0 {
		s.PolicyGenerationActions = nil
	}
	if len(s.ActionRenames) == 0 {
		s.ActionRenames = nil
	}
	if len(s.Operations) == 0 {
		s.Operations = nil
	}
	return s
}

func cloneList(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return append([]string(nil), ss...)
}

// Services returns the services sorted by namespace. The slice is shared:
// callers must not modify it.
func (c *Catalog) Services() []Service { return c.services }

// Len is the number of services.
func (c *Catalog) Len() int { return len(c.services) }

// Lookup returns the service with the namespace.
func (c *Catalog) Lookup(namespace string) (Service, bool) {
	i, ok := c.byNS[namespace]
	if !ok {
		return Service{}, false
	}
	return c.services[i], true
}

// Index returns the position of namespace in Services(), or -1.
func (c *Catalog) Index(namespace string) int {
	if i, ok := c.byNS[namespace]; ok {
		return i
	}
	return -1
}

// NamespaceForEventSource maps a CloudTrail eventSource to its service
// namespace. known is false when the catalog does not list the resulting
// namespace; the namespace is then the host's first label.
func (c *Catalog) NamespaceForEventSource(eventSource string) (namespace string, known bool) {
	src := strings.ToLower(eventSource)
	if ns, ok := c.bySource[src]; ok {
		return ns, true
	}
	ns := src
	if i := strings.IndexByte(src, '.'); i >= 0 {
		ns = src[:i]
	}
	_, known = c.byNS[ns]
	return ns, known
}

// versionSuffix matches the API-version suffixes CloudTrail appends to some
// event names: ListFunctions20150331, UpdateFunctionCode20150331v2,
// GetDistribution2020_05_31.
var versionSuffix = regexp.MustCompile(`(?:(?:19|20)\d{6}|(?:19|20)\d\d_\d\d_\d\d)(?:v\d+)?$`)

// ActionForEvent returns the IAM action (without namespace) that a
// CloudTrail eventName of the namespace is authorized as.
func (c *Catalog) ActionForEvent(namespace, eventName string) string {
	name := eventName
	if loc := versionSuffix.FindStringIndex(name); loc != nil && loc[0] > 0 {
		name = name[:loc[0]]
	}
	if to, ok := c.renames[namespace+":"+name]; ok {
		return to
	}
	return name
}

// Encode writes the catalog in this package's format (formatVersion 1): one
// service per line, sorted by namespace, so that Parse(c.Encode()) gives the
// same catalog and diffs of the file stay readable.
func (c *Catalog) Encode() []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"formatVersion\": ")
	b.WriteString(strconv.Itoa(FormatVersion))
	b.WriteString(",\n  \"services\": [\n")
	for i, s := range c.services {
		b.WriteString("    {\"namespace\": ")
		writeJSONString(&b, s.Namespace)
		b.WriteString(", \"name\": ")
		writeJSONString(&b, s.Name)
		if len(s.EventSources) > 0 {
			b.WriteString(", \"eventSources\": ")
			writeJSONStrings(&b, s.EventSources)
		}
		if len(s.ActionRenames) > 0 {
			b.WriteString(", \"actionRenames\": {")
			keys := make([]string, 0, len(s.ActionRenames))
			for k := range s.ActionRenames {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for j, k := range keys {
				if j > 0 {
					b.WriteString(", ")
				}
				writeJSONString(&b, k)
				b.WriteString(": ")
				writeJSONString(&b, s.ActionRenames[k])
			}
			b.WriteByte('}')
		}
		if len(s.TrackedActions) > 0 {
			b.WriteString(", \"trackedActions\": ")
			writeJSONStrings(&b, s.TrackedActions)
		}
		if len(s.PolicyGenerationActions) > 0 {
			b.WriteString(", \"policyGenerationActions\": ")
			writeJSONStrings(&b, s.PolicyGenerationActions)
		}
		if len(s.Operations) > 0 {
			b.WriteString(", \"operations\": {")
			ops := make([]string, 0, len(s.Operations))
			for op := range s.Operations {
				ops = append(ops, op)
			}
			sort.Strings(ops)
			for j, op := range ops {
				if j > 0 {
					b.WriteString(", ")
				}
				writeJSONString(&b, op)
				b.WriteString(": ")
				writeJSONStrings(&b, s.Operations[op])
			}
			b.WriteByte('}')
		}
		b.WriteByte('}')
		if i < len(c.services)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes()
}

func writeJSONStrings(b *bytes.Buffer, ss []string) {
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		writeJSONString(b, s)
	}
	b.WriteByte(']')
}

// writeJSONString writes s as a JSON string without HTML escaping, so that
// names such as "AWS Backup & Restore" stay readable.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}

// serviceReference is one document of AWS's service reference
// (https://servicereference.us-east-1.amazonaws.com/v1/<service>/<service>.json),
// the programmatic form of the Service Authorization Reference. Only the
// fields the catalog uses are read.
type serviceReference struct {
	Name    string `json:"Name"`
	Actions []struct {
		Name        string          `json:"Name"`
		SupportedBy map[string]bool `json:"SupportedBy"`
	} `json:"Actions"`
	Operations []struct {
		Name              string `json:"Name"`
		AuthorizedActions []struct {
			Name    string `json:"Name"`
			Service string `json:"Service"`
		} `json:"AuthorizedActions"`
	} `json:"Operations"`
}

// The SupportedBy keys of an action in the service reference: action last
// accessed information, and IAM Access Analyzer policy generation.
const (
	supportedByActionLastAccessed = "IAM Action Last Accessed"
	supportedByPolicyGeneration   = "IAM Access Analyzer Policy Generation"
)

// ParseServiceReference reads AWS service-reference JSON: a single service
// document ({"Name":"s3","Actions":[{"Name":"AbortMultipartUpload",...}],...})
// or a JSON array of them. Each document becomes a Service with:
//
//   - Namespace: the document's Name (the IAM service prefix);
//   - Name: the namespace too, since service-reference documents carry no
//     display name (Merge keeps the name of a namespace it already knows);
//   - TrackedActions: the actions whose SupportedBy marks
//     "IAM Action Last Accessed";
//   - PolicyGenerationActions: those whose SupportedBy marks
//     "IAM Access Analyzer Policy Generation";
//   - Operations: each operation with the actions that authorize it
//     ("service:Action"), unless that is just its same-named action of
//     the service;
//   - ActionRenames: each operation whose name is not an action of the
//     service and that is authorized by exactly one action of the service
//     (ListObjectsV2 -> ListBucket).
//
// Documents for the same namespace are combined. The result is sorted by
// namespace.
func ParseServiceReference(data []byte) ([]Service, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("catalog: service reference: empty input")
	}
	var docs []serviceReference
	switch data[0] {
	case '[':
		if err := unmarshal(data, &docs); err != nil {
			return nil, fmt.Errorf("catalog: service reference: %w", err)
		}
		if len(docs) == 0 {
			return nil, errors.New("catalog: service reference: empty array")
		}
	case '{':
		var d serviceReference
		if err := unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("catalog: service reference: %w", err)
		}
		docs = []serviceReference{d}
	default:
		return nil, errors.New("catalog: service reference: want a JSON object or array")
	}
	byNS := make(map[string]*Service)
	for i, d := range docs {
		ns := d.Name
		if ns == "" {
			return nil, fmt.Errorf("catalog: service reference: document %d: missing Name (an index entry {\"service\",\"url\"} must be downloaded first)", i)
		}
		if !validNamespace(ns) {
			return nil, fmt.Errorf("catalog: service reference: document %d: invalid service name %q", i, ns)
		}
		s := byNS[ns]
		if s == nil {
			s = &Service{Namespace: ns, Name: ns}
			byNS[ns] = s
		}
		actions := make(map[string]bool, len(d.Actions))
		for j, a := range d.Actions {
			if !validAction(a.Name) {
				return nil, fmt.Errorf("catalog: service reference: %s: action %d: invalid name %q", ns, j, a.Name)
			}
			actions[a.Name] = true
			if a.SupportedBy[supportedByActionLastAccessed] {
				s.TrackedActions = append(s.TrackedActions, a.Name)
			}
			if a.SupportedBy[supportedByPolicyGeneration] {
				s.PolicyGenerationActions = append(s.PolicyGenerationActions, a.Name)
			}
		}
		for _, op := range d.Operations {
			if !validAction(op.Name) {
				continue
			}
			if op.AuthorizedActions == nil {
				continue // not documented, which is not "needs no permission"
			}
			var authorized []string
			for _, aa := range op.AuthorizedActions {
				if validNamespace(aa.Service) && validAction(aa.Name) {
					authorized = append(authorized, aa.Service+":"+aa.Name)
				}
			}
			authorized = sortedUnique(authorized)
			if len(authorized) != 1 || authorized[0] != ns+":"+op.Name {
				if s.Operations == nil {
					s.Operations = make(map[string][]string)
				}
				s.Operations[op.Name] = append([]string{}, authorized...)
			}
			if actions[op.Name] {
				continue
			}
			var targets []string
			for _, aa := range op.AuthorizedActions {
				if aa.Service == ns && validAction(aa.Name) {
					targets = append(targets, aa.Name)
				}
			}
			targets = sortedUnique(targets)
			if len(targets) != 1 {
				continue // none, or several actions: no single IAM action to name
			}
			to := targets[0]
			if s.ActionRenames == nil {
				s.ActionRenames = make(map[string]string)
			}
			s.ActionRenames[op.Name] = to
		}
	}
	out := make([]Service, 0, len(byNS))
	for _, s := range byNS {
		s.TrackedActions = sortedUnique(s.TrackedActions)
		s.PolicyGenerationActions = sortedUnique(s.PolicyGenerationActions)
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Namespace < out[j].Namespace })
	return out, nil
}

// Merge returns a catalog with base's services and extra's: a namespace
// new to base is added as it is (named by its namespace if Name is empty);
// for a namespace base knows, its name is kept, and extra's event sources,
// tracked and policy generation actions, operations and action renames are
// added to it (base's rename or operation wins where both have one).
// base may be nil.
func Merge(base *Catalog, extra []Service) (*Catalog, error) {
	var services []Service
	index := make(map[string]int)
	if base != nil {
		for _, s := range base.services {
			index[s.Namespace] = len(services)
			services = append(services, cloneService(s))
		}
	}
	for _, e := range extra {
		i, ok := index[e.Namespace]
		if !ok {
			e = cloneService(e)
			if strings.TrimSpace(e.Name) == "" {
				e.Name = e.Namespace
			}
			e.EventSources = sortedUnique(e.EventSources)
			e.TrackedActions = sortedUnique(e.TrackedActions)
			e.PolicyGenerationActions = sortedUnique(e.PolicyGenerationActions)
			index[e.Namespace] = len(services)
			services = append(services, e)
			continue
		}
		s := &services[i]
		s.EventSources = sortedUnique(append(s.EventSources, e.EventSources...))
		s.TrackedActions = sortedUnique(append(s.TrackedActions, e.TrackedActions...))
		s.PolicyGenerationActions = sortedUnique(append(s.PolicyGenerationActions, e.PolicyGenerationActions...))
		for op, actions := range e.Operations {
			if _, ok := s.Operations[op]; ok {
				continue
			}
			if s.Operations == nil {
				s.Operations = make(map[string][]string)
			}
			s.Operations[op] = sortedUnique(actions)
			if s.Operations[op] == nil {
				s.Operations[op] = []string{}
			}
		}
		for from, to := range e.ActionRenames {
			if _, ok := s.ActionRenames[from]; ok {
				continue
			}
			if s.ActionRenames == nil {
				s.ActionRenames = make(map[string]string)
			}
			s.ActionRenames[from] = to
		}
	}
	return New(services)
}

// Import reads a catalog file for `lastaccess catalog import`: a file in
// this package's format (an object with "formatVersion") replaces the
// catalog; AWS service-reference JSON (one document or an array) is merged
// into base.
func Import(base *Catalog, data []byte) (*Catalog, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) == nil {
		if _, ok := probe["formatVersion"]; ok {
			return Parse(data)
		}
		if _, ok := probe["services"]; ok {
			return Parse(data)
		}
	}
	extra, err := ParseServiceReference(data)
	if err != nil {
		return nil, err
	}
	return Merge(base, extra)
}

func sortedUnique(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := append([]string(nil), ss...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i > 0 && s == out[n-1] {
			continue
		}
		out[n] = s
		n++
	}
	return out[:n]
}
