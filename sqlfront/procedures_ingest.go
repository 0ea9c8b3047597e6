package sqlfront

import (
	"errors"
	"fmt"

	"github.com/dolthub/go-mysql-server/sql"

	"lastaccess/engine"
	"lastaccess/ingest"
)

// Procedures that store data sent over SQL.
const (
	procIngestEvents       = "ingest_events"
	procImportOrganization = "import_organization"
)

func ingestProcedures() []*procedure {
	return []*procedure{
		{
			name:     procIngestEvents,
			params:   []string{"json_text"},
			required: 1,
			admin:    true,
			schema: resultSchema(procIngestEvents,
				column("", "Records", typeBigCount, false),
				column("", "Events", typeBigCount, false),
				column("", "Ingested", typeBigCount, false),
				column("", "Duplicates", typeBigCount, false),
				column("", "Skipped", typeBigCount, false),
				column("", "Malformed", typeBigCount, false),
				column("", "SkippedByReason", typeJSON, false),
				column("", "UnknownEventSources", typeJSON, false),
			),
			run: ingestEvents,
		},
		{
			name:     procImportOrganization,
			params:   []string{"json_text"},
			required: 1,
			admin:    true,
			schema: resultSchema(procImportOrganization,
				column("", "Id", typeID, false),
				column("", "MasterAccountId", typeID, false),
				column("", "Roots", typeCount, false),
				column("", "OrganizationalUnits", typeCount, false),
				column("", "Accounts", typeCount, false),
				column("", "Policies", typeCount, false),
			),
			run: func(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
				if a.str(0) == "" {
					return nil, validationError("null", "jsonText", "Member must not be null")
				}
				org, err := f.eng.ImportOrganization([]byte(a.str(0)))
				if err != nil {
					return nil, err
				}
				return []sql.Row{{org.ID, org.ManagementAccountID, int32(1),
					int32(len(org.OrganizationalUnits())), int32(len(org.Accounts())), int32(len(org.Policies()))}}, nil
			},
		},
	}
}

// maxIngestErrors is how many record errors an ingest_events error names.
const maxIngestErrors = 5

// ingestEvents stores the access events of a JSON text of CloudTrail
// records (a {"Records":[…]} document, a JSON array or NDJSON), through
// the same parser as file ingest. Any malformed record fails the call,
// naming the records, and stores nothing. A call whose events are all
// well-formed commits them in parts (one commit per engine batch): a
// server killed during the call keeps the parts committed before, and a
// call that fails or is cancelled after its first part says how many
// events it stored. Sending the same records again is the recovery:
// stored events count as duplicates, the rest are stored, once.
func ingestEvents(ctx *sql.Context, f *frontend, a args) ([]sql.Row, error) {
	text := a.str(0)
	if text == "" {
		return nil, validationError("null", "jsonText", "Member must not be null")
	}
	events, sum, errs := ingest.ParseRecords(procIngestEvents, []byte(text), f.eng.Catalog())
	if len(errs) > 0 {
		return nil, ingestInputError(errs, sum.Malformed)
	}
	if len(events) > 0 {
		res, err := f.eng.Append(ctx, events)
		if err != nil {
			if done := res.Ingested + res.Duplicates; done > 0 {
				err = fmt.Errorf("ingest_events stored %d of its %d events before it failed; send the same records again to store the rest (the stored ones count as duplicates): %w", done, len(events), err)
			}
			return nil, err
		}
		sum.AddAppendResult(res)
	}
	skipped := sum.Skipped
	if skipped == nil {
		skipped = map[ingest.SkipReason]int64{}
	}
	unknown := sum.UnknownEventSources
	if unknown == nil {
		unknown = map[string]int64{}
	}
	return []sql.Row{{sum.Records, sum.Events, sum.Ingested, sum.Duplicates, sum.SkippedTotal(), sum.Malformed,
		jsonValue(skipped), jsonValue(unknown)}}, nil
}

// ingestInputError words the parse errors of ingest_events as one
// InvalidInput error: how many records were malformed, and the first
// maxIngestErrors of them.
func ingestInputError(errs []error, malformed int64) error {
	var fe *ingest.FileError
	if len(errs) == 1 && errors.As(errs[0], &fe) {
		return &engine.Error{Code: engine.CodeInvalidInput, Message: "The JSON text is not CloudTrail records: " + errs[0].Error()}
	}
	msg := ""
	for i, err := range errs[:min(len(errs), maxIngestErrors)] {
		if i > 0 {
			msg += "; "
		}
		msg += err.Error()
	}
	if more := malformed - int64(min(len(errs), maxIngestErrors)); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return &engine.Error{Code: engine.CodeInvalidInput, Message: fmt.Sprintf("%d malformed record(s), nothing was stored: %s", malformed, msg)}
}
