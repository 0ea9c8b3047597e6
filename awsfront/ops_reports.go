package awsfront

import (
	"lastaccess/engine"
)

// The six report operations of SPEC §4: parameters as the model names
// them, results written in the model's member order.

func generateOrganizationsAccessReport(c *call) (func(w *xmlWriter), error) {
	id, err := c.eng.GenerateOrganizationsAccessReport(c.ctx, engine.GenerateOrganizationsAccessReportInput{
		EntityPath:            c.form.value(paramEntityPath),
		OrganizationsPolicyID: c.form.opt(paramOrganizationsPolicyID),
		Caller:                c.caller,
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) { w.text("JobId", id) }, nil
}

func getOrganizationsAccessReport(c *call) (func(w *xmlWriter), error) {
	maxItems, err := c.maxItems()
	if err != nil {
		return nil, err
	}
	r, err := c.eng.GetOrganizationsAccessReport(c.ctx, engine.GetOrganizationsAccessReportInput{
		JobID:    c.form.value(paramJobID),
		MaxItems: maxItems,
		Marker:   c.form.opt(paramMarker),
		SortKey:  c.form.opt(paramSortKey),
		Caller:   c.caller,
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.text("JobStatus", r.JobStatus)
		w.timestamp("JobCreationDate", r.JobCreationDate)
		w.optTimestamp("JobCompletionDate", r.JobCompletionDate)
		w.optInteger("NumberOfServicesAccessible", r.NumberOfServicesAccessible)
		w.optInteger("NumberOfServicesNotAccessed", r.NumberOfServicesNotAccessed)
		if r.AccessDetails != nil { // a completed report's page, even of no service
			w.list("AccessDetails", len(r.AccessDetails), func(i int) { writeAccessDetail(w, &r.AccessDetails[i]) })
		}
		w.boolean("IsTruncated", r.IsTruncated)
		w.optText("Marker", r.Marker)
		writeErrorDetails(w, "ErrorDetails", r.ErrorDetails)
	}, nil
}

func writeAccessDetail(w *xmlWriter, d *engine.AccessDetail) {
	w.text("ServiceName", d.ServiceName)
	w.text("ServiceNamespace", d.ServiceNamespace)
	w.optTextPtr("Region", d.Region)
	w.optTextPtr("EntityPath", d.EntityPath)
	w.optTimestamp("LastAuthenticatedTime", d.LastAuthenticatedTime)
	w.integer("TotalAuthenticatedEntities", d.TotalAuthenticatedEntities)
}

func writeErrorDetails(w *xmlWriter, name string, e *engine.ErrorDetails) {
	if e == nil {
		return
	}
	w.open(name)
	w.text("Message", e.Message)
	w.text("Code", e.Code)
	w.close(name)
}

func generateServiceLastAccessedDetails(c *call) (func(w *xmlWriter), error) {
	id, err := c.eng.GenerateServiceLastAccessedDetails(c.ctx, engine.GenerateServiceLastAccessedDetailsInput{
		Arn:         c.form.value(paramArn),
		Granularity: c.form.opt(paramGranularity),
		Caller:      c.caller,
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) { w.text("JobId", id) }, nil
}

func getServiceLastAccessedDetails(c *call) (func(w *xmlWriter), error) {
	maxItems, err := c.maxItems()
	if err != nil {
		return nil, err
	}
	r, err := c.eng.GetServiceLastAccessedDetails(c.ctx, engine.GetServiceLastAccessedDetailsInput{
		JobID:    c.form.value(paramJobID),
		MaxItems: maxItems,
		Marker:   c.form.opt(paramMarker),
		Caller:   c.caller,
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.text("JobStatus", r.JobStatus)
		w.optText("JobType", r.JobType)
		w.timestamp("JobCreationDate", r.JobCreationDate)
		w.list("ServicesLastAccessed", len(r.ServicesLastAccessed), func(i int) { writeServiceLastAccessed(w, &r.ServicesLastAccessed[i]) })
		w.optTimestamp("JobCompletionDate", r.JobCompletionDate)
		w.boolean("IsTruncated", r.IsTruncated)
		w.optText("Marker", r.Marker)
		writeErrorDetails(w, "Error", r.Error)
	}, nil
}

func writeServiceLastAccessed(w *xmlWriter, s *engine.ServiceLastAccessed) {
	w.text("ServiceName", s.ServiceName)
	w.optTimestamp("LastAuthenticated", s.LastAuthenticated)
	w.text("ServiceNamespace", s.ServiceNamespace)
	w.optTextPtr("LastAuthenticatedEntity", s.LastAuthenticatedEntity)
	w.optTextPtr("LastAuthenticatedRegion", s.LastAuthenticatedRegion)
	w.integer("TotalAuthenticatedEntities", s.TotalAuthenticatedEntities)
	if len(s.TrackedActionsLastAccessed) > 0 {
		w.list("TrackedActionsLastAccessed", len(s.TrackedActionsLastAccessed), func(i int) {
			a := &s.TrackedActionsLastAccessed[i]
			w.text("ActionName", a.ActionName)
			w.optTextPtr("LastAccessedEntity", a.LastAccessedEntity)
			w.optTimestamp("LastAccessedTime", a.LastAccessedTime)
			w.optTextPtr("LastAccessedRegion", a.LastAccessedRegion)
		})
	}
}

func getServiceLastAccessedDetailsWithEntities(c *call) (func(w *xmlWriter), error) {
	maxItems, err := c.maxItems()
	if err != nil {
		return nil, err
	}
	r, err := c.eng.GetServiceLastAccessedDetailsWithEntities(c.ctx, engine.GetServiceLastAccessedDetailsWithEntitiesInput{
		JobID:            c.form.value(paramJobID),
		ServiceNamespace: c.form.value(paramServiceNamespace),
		MaxItems:         maxItems,
		Marker:           c.form.opt(paramMarker),
		Caller:           c.caller,
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.text("JobStatus", r.JobStatus)
		w.timestamp("JobCreationDate", r.JobCreationDate)
		w.optTimestamp("JobCompletionDate", r.JobCompletionDate)
		w.list("EntityDetailsList", len(r.EntityDetailsList), func(i int) {
			d := &r.EntityDetailsList[i]
			w.open("EntityInfo")
			w.text("Arn", d.EntityInfo.Arn)
			w.text("Name", d.EntityInfo.Name)
			w.text("Type", d.EntityInfo.Type)
			w.text("Id", d.EntityInfo.ID)
			w.optText("Path", d.EntityInfo.Path)
			w.close("EntityInfo")
			w.optTimestamp("LastAuthenticated", d.LastAuthenticated)
		})
		w.boolean("IsTruncated", r.IsTruncated)
		w.optText("Marker", r.Marker)
		writeErrorDetails(w, "Error", r.Error)
	}, nil
}

func listPoliciesGrantingServiceAccess(c *call) (func(w *xmlWriter), error) {
	namespaces, _, err := c.form.list(paramServiceNamespaces)
	if err != nil {
		return nil, err
	}
	r, err := c.eng.ListPoliciesGrantingServiceAccess(c.ctx, engine.ListPoliciesGrantingServiceAccessInput{
		Arn:               c.form.value(paramArn),
		ServiceNamespaces: namespaces,
		Marker:            c.form.opt(paramMarker),
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.list("PoliciesGrantingServiceAccess", len(r.PoliciesGrantingServiceAccess), func(i int) {
			e := &r.PoliciesGrantingServiceAccess[i]
			w.text("ServiceNamespace", e.ServiceNamespace)
			w.list("Policies", len(e.Policies), func(j int) {
				p := &e.Policies[j]
				w.text("PolicyName", p.PolicyName)
				w.text("PolicyType", p.PolicyType)
				w.optText("PolicyArn", p.PolicyArn)
				w.optText("EntityType", p.EntityType)
				w.optText("EntityName", p.EntityName)
			})
		})
		w.boolean("IsTruncated", r.IsTruncated)
		w.optText("Marker", r.Marker)
	}, nil
}
