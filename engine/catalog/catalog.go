// Package catalog is the universe of AWS services a report can list: each
// service namespace, its name as AWS prints it, the CloudTrail event sources
// that belong to it, the CloudTrail event names whose IAM action differs, and
// (for services with action-level tracking) the tracked actions.
//
// The default catalog is services.json, written for this project and
// embedded in the binary. It imports nothing from the rest of lastaccess.
package catalog

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

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
	// information (ACTION_LEVEL reports); empty for other services.
	TrackedActions []string `json:"trackedActions,omitempty"`
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

var namespacePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Parse reads a catalog in this package's format and validates it.
func Parse(data []byte) (*Catalog, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if f.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("catalog: formatVersion %d, want %d", f.FormatVersion, FormatVersion)
	}
	return New(f.Services)
}

// New builds a catalog from services, validating namespaces, names and
// event sources.
func New(services []Service) (*Catalog, error) {
	if len(services) == 0 {
		return nil, errors.New("catalog: no services")
	}
	c := &Catalog{
		services: append([]Service(nil), services...),
		byNS:     make(map[string]int, len(services)),
		bySource: make(map[string]string),
		renames:  make(map[string]string),
	}
	sort.Slice(c.services, func(i, j int) bool { return c.services[i].Namespace < c.services[j].Namespace })
	for i, s := range c.services {
		if !namespacePattern.MatchString(s.Namespace) {
			return nil, fmt.Errorf("catalog: service %d: invalid namespace %q", i, s.Namespace)
		}
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("catalog: service %q: empty name", s.Namespace)
		}
		if _, dup := c.byNS[s.Namespace]; dup {
			return nil, fmt.Errorf("catalog: duplicate namespace %q", s.Namespace)
		}
		c.byNS[s.Namespace] = i
		for _, src := range s.EventSources {
			src = strings.ToLower(src)
			if prev, dup := c.bySource[src]; dup && prev != s.Namespace {
				return nil, fmt.Errorf("catalog: event source %q belongs to both %q and %q", src, prev, s.Namespace)
			}
			c.bySource[src] = s.Namespace
		}
		for from, to := range s.ActionRenames {
			if from == "" || to == "" {
				return nil, fmt.Errorf("catalog: service %q: empty action rename", s.Namespace)
			}
			c.renames[s.Namespace+":"+from] = to
		}
	}
	return c, nil
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
