package engine

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
)

// Report diffs (SPEC §8): two completed jobs of the same kind and scope —
// Organizations reports of one entity path and policy id (a what-if's
// report and the real one included), or service last accessed reports of
// one ARN and granularity — compared service by service, and for
// ACTION_LEVEL reports action by action: what was accessed in one and not
// the other, and what was accessed in both at different last times.

// Kinds of difference.
const (
	DiffAccessedOnlyInA = "ACCESSED_ONLY_IN_A"
	DiffAccessedOnlyInB = "ACCESSED_ONLY_IN_B"
	DiffLastAccessMoved = "LAST_ACCESS_MOVED"
)

// Job types of a diff.
const (
	DiffJobOrganizations       = "ORGANIZATIONS"
	DiffJobServiceLastAccessed = "SERVICE_LAST_ACCESSED"
)

var (
	jobIDAShape = &Shape{Member: "JobIdA", Type: "string", Required: true, Min: 36, Max: 36, HasMin: true, HasMax: true, Doc: "the first job"}
	jobIDBShape = &Shape{Member: "JobIdB", Type: "string", Required: true, Min: 36, Max: 36, HasMin: true, HasMax: true, Doc: "the second job"}
)

// ReportDifference is one service (ActionName empty) or action that
// differs between the two reports. Entity is the EntityPath of an
// Organizations report's latest access, the LastAuthenticatedEntity of a
// service last accessed report's.
type ReportDifference struct {
	ServiceNamespace  string     `json:"ServiceNamespace"`
	ServiceName       string     `json:"ServiceName"`
	ActionName        string     `json:"ActionName,omitempty"`
	Change            string     `json:"Change"`
	LastAccessedTimeA *Timestamp `json:"LastAccessedTimeA,omitempty"`
	LastAccessedTimeB *Timestamp `json:"LastAccessedTimeB,omitempty"`
	EntityA           *string    `json:"EntityA,omitempty"`
	EntityB           *string    `json:"EntityB,omitempty"`
	RegionA           *string    `json:"RegionA,omitempty"`
	RegionB           *string    `json:"RegionB,omitempty"`
}

// ReportDiff is the comparison of two report jobs.
type ReportDiff struct {
	JobType          string             `json:"JobType"`
	JobIDA           string             `json:"JobIdA"`
	JobIDB           string             `json:"JobIdB"`
	JobCreationDateA Timestamp          `json:"JobCreationDateA"`
	JobCreationDateB Timestamp          `json:"JobCreationDateB"`
	Differences      []ReportDifference `json:"Differences"`
}

// lastUse is one service's or action's latest access in a report.
type lastUse struct {
	name           string
	time           *Timestamp
	entity, region *string
}

// diffKey orders a report's entries: by namespace, the service before its
// actions, actions by name.
type diffKey struct{ namespace, action string }

// DiffReports compares two completed report jobs of the same kind and
// scope.
func (e *Engine) DiffReports(ctx context.Context, jobA, jobB, caller string) (*ReportDiff, error) {
	var v validation
	validateParams(&v, param{jobIDAShape, requiredString(jobA)}, param{jobIDBShape, requiredString(jobB)})
	if err := v.err(); err != nil {
		return nil, err
	}
	a, err := e.completedJob(jobA, caller)
	if err != nil {
		return nil, err
	}
	b, err := e.completedJob(jobB, caller)
	if err != nil {
		return nil, err
	}
	out := &ReportDiff{JobIDA: a.ID, JobIDB: b.ID, JobCreationDateA: a.Created, JobCreationDateB: b.Created}
	var usesA, usesB map[diffKey]lastUse
	switch pa := a.payload.(type) {
	case *orgJob:
		pb, ok := b.payload.(*orgJob)
		if !ok {
			return nil, differentKinds(a, b)
		}
		if pa.EntityPath != pb.EntityPath || pa.PolicyID != pb.PolicyID {
			return nil, errorf(CodeInvalidInput, "The report jobs cover different scopes: %s is of %s, %s is of %s.",
				a.ID, orgScopeName(pa), b.ID, orgScopeName(pb))
		}
		out.JobType = DiffJobOrganizations
		usesA, usesB = orgUses(pa), orgUses(pb)
	case *serviceJob:
		pb, ok := b.payload.(*serviceJob)
		if !ok {
			return nil, differentKinds(a, b)
		}
		if pa.ARN != pb.ARN || pa.JobType != pb.JobType {
			return nil, errorf(CodeInvalidInput, "The report jobs cover different scopes: %s is of %s (%s), %s is of %s (%s).",
				a.ID, pa.ARN, pa.JobType, b.ID, pb.ARN, pb.JobType)
		}
		out.JobType = DiffJobServiceLastAccessed
		usesA, usesB = serviceUses(pa), serviceUses(pb)
	default:
		return nil, differentKinds(a, b)
	}
	keys := map[diffKey]bool{}
	for k := range usesA {
		keys[k] = true
	}
	for k := range usesB {
		keys[k] = true
	}
	out.Differences = []ReportDifference{}
	for _, k := range slices.SortedFunc(maps.Keys(keys), func(x, y diffKey) int {
		if c := strings.Compare(x.namespace, y.namespace); c != 0 {
			return c
		}
		return strings.Compare(x.action, y.action)
	}) {
		ua, ub := usesA[k], usesB[k]
		d := ReportDifference{ServiceNamespace: k.namespace, ActionName: k.action,
			LastAccessedTimeA: ua.time, LastAccessedTimeB: ub.time, EntityA: ua.entity, EntityB: ub.entity, RegionA: ua.region, RegionB: ub.region}
		d.ServiceName = ua.name
		if d.ServiceName == "" {
			d.ServiceName = ub.name
		}
		switch {
		case ua.time != nil && ub.time == nil:
			d.Change = DiffAccessedOnlyInA
		case ua.time == nil && ub.time != nil:
			d.Change = DiffAccessedOnlyInB
		case ua.time != nil && !ua.time.Equal(ub.time.Time):
			d.Change = DiffLastAccessMoved
		default:
			continue
		}
		out.Differences = append(out.Differences, d)
	}
	return out, nil
}

// completedJob finds a completed job of any kind the caller may read.
func (e *Engine) completedJob(id, caller string) (*job, error) {
	j, err := e.jobs.get(id)
	if errors.Is(err, ErrNotFound) || (err == nil && !e.mayRead(&j.jobHeader, caller)) {
		return nil, errorf(CodeNoSuchEntity, "The report job %s does not exist.", id)
	}
	if err != nil {
		return nil, err
	}
	if j.Status != JobCompleted {
		return nil, errorf(CodeInvalidInput, "The report job %s is %s; only COMPLETED jobs can be compared.", id, j.Status)
	}
	return j, nil
}

func differentKinds(a, b *job) error {
	return errorf(CodeInvalidInput, "The report jobs are of different kinds: %s is an %s report, %s is an %s report.",
		a.ID, kindName(a.Kind), b.ID, kindName(b.Kind))
}

func kindName(kind string) string {
	switch kind {
	case jobKindOrganizations:
		return "Organizations access"
	case jobKindServiceLastAccessed:
		return "service last accessed"
	}
	return kind
}

func orgScopeName(p *orgJob) string {
	if p.PolicyID != "" {
		return p.EntityPath + " with policy " + p.PolicyID
	}
	return p.EntityPath
}

// orgUses are an Organizations report's services.
func orgUses(p *orgJob) map[diffKey]lastUse {
	out := make(map[diffKey]lastUse, len(p.AccessDetails))
	for _, d := range p.AccessDetails {
		out[diffKey{namespace: d.ServiceNamespace}] = lastUse{name: d.ServiceName, time: d.LastAuthenticatedTime, entity: d.EntityPath, region: d.Region}
	}
	return out
}

// serviceUses are a service last accessed report's services and tracked
// actions.
func serviceUses(p *serviceJob) map[diffKey]lastUse {
	out := make(map[diffKey]lastUse, len(p.ServicesLastAccessed))
	for _, s := range p.ServicesLastAccessed {
		out[diffKey{namespace: s.ServiceNamespace}] = lastUse{name: s.ServiceName, time: s.LastAuthenticated, entity: s.LastAuthenticatedEntity, region: s.LastAuthenticatedRegion}
		for _, a := range s.TrackedActionsLastAccessed {
			out[diffKey{namespace: s.ServiceNamespace, action: a.ActionName}] = lastUse{name: s.ServiceName, time: a.LastAccessedTime, entity: a.LastAccessedEntity, region: a.LastAccessedRegion}
		}
	}
	return out
}
