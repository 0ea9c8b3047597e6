package engine

import (
	"context"
	"fmt"

	"sort"
)

// GetServiceLastAccessedDetailsWithEntities: the users and roles behind one
// service of a completed report, most recent first.

// EntityDetails is one entity of EntityDetailsList.
type EntityDetails struct {
	EntityInfo        EntityInfo `json:"EntityInfo"`
	LastAuthenticated *Timestamp `json:"LastAuthenticated,omitempty"`
}

// ServiceLastAccessedEntities is the GetServiceLastAccessedDetailsWithEntities
// response. EntityDetailsList is always present (empty until the job
// completes), as the API's model requires it.
type ServiceLastAccessedEntities struct {
	JobStatus         string          `json:"JobStatus"`
	JobCreationDate   Timestamp       `json:"JobCreationDate"`
	JobCompletionDate *Timestamp      `json:"JobCompletionDate,omitempty"`
	EntityDetailsList []EntityDetails `json:"EntityDetailsList"`
	IsTruncated       bool            `json:"IsTruncated"`
	Marker            string          `json:"Marker,omitempty"`
	Error             *ErrorDetails   `json:"Error,omitempty"`
}

// GetServiceLastAccessedDetailsWithEntitiesInput is the request. MaxItems
// nil means the default (100).
type GetServiceLastAccessedDetailsWithEntitiesInput struct {
	JobID            string
	ServiceNamespace string
	MaxItems         *int
	Marker           *string
	Caller           string
}

// GetServiceLastAccessedDetailsWithEntities returns the job's status and
// one page of the entities of one of its services: those that accessed it
// in the tracking period, most recent first, then those that did not;
// ties by ARN.
func (e *Engine) GetServiceLastAccessedDetailsWithEntities(ctx context.Context, in GetServiceLastAccessedDetailsWithEntitiesInput) (*ServiceLastAccessedEntities, error) {
	var v validation
	validateParams(&v, param{jobIDShape, requiredString(in.JobID)}, param{namespaceShape, requiredString(in.ServiceNamespace)},
		param{maxItemsShape, optionalInt(in.MaxItems)}, param{markerShape, optionalString(in.Marker)})
	if err := v.err(); err != nil {
		return nil, err
	}
	maxItems, marker := pageSize(in.MaxItems), deref(in.Marker)
	j, p, err := lookupJob[*serviceJob](e, in.JobID, in.Caller)
	if err != nil {
		return nil, err
	}
	out := &ServiceLastAccessedEntities{JobStatus: j.Status, JobCreationDate: j.Created, JobCompletionDate: j.Completed,
		Error: j.Error, EntityDetailsList: []EntityDetails{}}
	if j.Status != JobCompleted {
		if marker != "" {
			return nil, errorf(CodeInvalidInput, "The marker %q was not issued for this report and service.", truncateForMessage(marker))
		}
		return out, nil
	}
	list, err := e.serviceEntities(j.ID, p, in.ServiceNamespace)
	if err != nil {
		return nil, err
	}
	n := len(list)
	start := 0
	if marker != "" {
		if start, err = e.parseMarker(marker, markerScopeEntities, j.ID, in.ServiceNamespace, n); err != nil {
			return nil, err
		}
	}
	end := min(start+maxItems, n)
	out.EntityDetailsList = list[start:end:end]
	if end < n {
		out.IsTruncated = true
		out.Marker = e.issueMarker(markerScopeEntities, j.ID, in.ServiceNamespace, end)
	}
	return out, nil
}

// serviceEntities returns the whole sorted entity list of one service of a
// completed job. A namespace the catalog does not know is InvalidInput; a
// known one that the report does not list is NoSuchEntity.
func (e *Engine) serviceEntities(jobID string, p *serviceJob, namespace string) ([]EntityDetails, error) {
	services := p.ServicesLastAccessed
	si := sort.Search(len(services), func(i int) bool { return services[i].ServiceNamespace >= namespace })
	if si == len(services) || services[si].ServiceNamespace != namespace {
		if _, ok := e.Catalog().Lookup(namespace); !ok {
			return nil, errorf(CodeInvalidInput, "The service namespace %s is not valid: no service in the catalog has it.", namespace)
		}
		return nil, errorf(CodeNoSuchEntity, "The report job %s does not list the service %s: the policies of %s do not allow it.", jobID, namespace, p.ARN)
	}
	data, err := e.store.JobTable(jobID)
	if err != nil {
		return nil, fmt.Errorf("engine: entities of report job %s: %w", jobID, err)
	}
	entities, times, err := decodeEntityTable(data, si, namespace)
	if err != nil {
		return nil, fmt.Errorf("engine: entities of report job %s: %w", jobID, err)
	}
	order := make([]int, len(entities))
	for i := range order {
		order[i] = i
	}
	// Entities are stored by ARN, so a stable sort by time keeps ARN order
	// among equal times and among the entities without access.
	sort.SliceStable(order, func(a, b int) bool {
		ta, tb := times[order[a]], times[order[b]]
		return ta != 0 && (tb == 0 || ta > tb)
	})
	out := make([]EntityDetails, len(entities))
	for i, k := range order {
		out[i] = EntityDetails{EntityInfo: entities[k]}
		if times[k] != 0 {
			out[i].LastAuthenticated = timestampPtr(times[k])
		}
	}
	return out, nil
}

// decodeEntityTable reads the principals and, for the service at position
// si, each principal's latest access time (0: none).
func decodeEntityTable(b []byte, si int, namespace string) ([]EntityInfo, []int64, error) {
	if b == nil {
		return nil, nil, ErrNotFound
	}
	r := &byteReader{b: b}
	if v := r.uvarint(); r.err == nil && v != entityTableVersion {
		return nil, nil, fmt.Errorf("entity table version %d", v)
	}
	n := r.count(5)
	entities := make([]EntityInfo, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		entities = append(entities, EntityInfo{Arn: r.str(), Name: r.str(), Type: r.str(), ID: r.str(), Path: r.str()})
	}
	times := make([]int64, len(entities))
	services := r.count(2)
	if r.err == nil && si >= services {
		return nil, nil, errCorruptRollup
	}
	for i := 0; i < services && r.err == nil; i++ {
		ns := r.str()
		m := r.count(2)
		for k := 0; k < m && r.err == nil; k++ {
			ei, t := r.uvarint(), r.varint()
			if i != si {
				continue
			}
			if ei >= uint64(len(entities)) || ns != namespace {
				return nil, nil, errCorruptRollup
			}
			times[ei] = t
		}
		if i == si {
			return entities, times, r.err
		}
	}
	if r.err == nil {
		r.err = errCorruptRollup
	}
	return nil, nil, r.err
}
