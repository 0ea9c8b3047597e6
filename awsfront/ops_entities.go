package awsfront

import (
	"lastaccess/engine"
)

// The listings of the caller's account (SPEC §7), from its imported
// authorization details. Like IAM's own listings, ListUsers, ListRoles
// and ListPolicies leave out tags, permissions boundaries and a role's
// last use; GetAccountAuthorizationDetails returns all that was
// imported.

func (c *call) listInput() (engine.ListEntitiesInput, error) {
	maxItems, err := c.maxItems()
	return engine.ListEntitiesInput{Account: c.account, PathPrefix: c.form.opt(paramPathPrefix),
		MaxItems: maxItems, Marker: c.form.opt(paramMarker)}, err
}

func writePage(w *xmlWriter, p engine.Page) {
	w.boolean("IsTruncated", p.IsTruncated)
	w.optText("Marker", p.Marker)
}

func listUsers(c *call) (func(w *xmlWriter), error) {
	in, err := c.listInput()
	if err != nil {
		return nil, err
	}
	r, err := c.eng.ListUsers(c.ctx, in)
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.list("Users", len(r.Users), func(i int) {
			u := &r.Users[i]
			w.text("Path", u.Path)
			w.text("UserName", u.UserName)
			w.text("UserId", u.UserID)
			w.text("Arn", u.Arn)
			w.optTimestamp("CreateDate", u.CreateDate)
		})
		writePage(w, r.Page)
	}, nil
}

func listGroups(c *call) (func(w *xmlWriter), error) {
	in, err := c.listInput()
	if err != nil {
		return nil, err
	}
	r, err := c.eng.ListGroups(c.ctx, in)
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.list("Groups", len(r.Groups), func(i int) {
			g := &r.Groups[i]
			w.text("Path", g.Path)
			w.text("GroupName", g.GroupName)
			w.text("GroupId", g.GroupID)
			w.text("Arn", g.Arn)
			w.optTimestamp("CreateDate", g.CreateDate)
		})
		writePage(w, r.Page)
	}, nil
}

func listRoles(c *call) (func(w *xmlWriter), error) {
	in, err := c.listInput()
	if err != nil {
		return nil, err
	}
	r, err := c.eng.ListRoles(c.ctx, in)
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.list("Roles", len(r.Roles), func(i int) {
			writeRole(w, &r.Roles[i].Role, false)
		})
		writePage(w, r.Page)
	}, nil
}

// writeRole writes a Role's members; whole adds those the listing leaves
// out (an instance profile's roles carry them).
func writeRole(w *xmlWriter, r *engine.Role, whole bool) {
	w.text("Path", r.Path)
	w.text("RoleName", r.RoleName)
	w.text("RoleId", r.RoleID)
	w.text("Arn", r.Arn)
	w.optTimestamp("CreateDate", r.CreateDate)
	w.policyDocument("AssumeRolePolicyDocument", r.AssumeRolePolicyDocument)
	w.optText("Description", r.Description)
	w.optInteger("MaxSessionDuration", r.MaxSessionDuration)
	if whole {
		writeBoundary(w, r.PermissionsBoundary)
		writeTags(w, r.Tags, false)
		writeRoleLastUsed(w, r.RoleLastUsed)
	}
}

func writeBoundary(w *xmlWriter, b *engine.PermissionsBoundary) {
	if b == nil {
		return
	}
	w.open("PermissionsBoundary")
	w.optText("PermissionsBoundaryType", b.PermissionsBoundaryType)
	w.optText("PermissionsBoundaryArn", b.PermissionsBoundaryArn)
	w.close("PermissionsBoundary")
}

// writeTags writes Tags; always writes an empty list too (as the
// authorization details do).
func writeTags(w *xmlWriter, tags []engine.Tag, always bool) {
	if len(tags) == 0 && !always {
		return
	}
	w.list("Tags", len(tags), func(i int) {
		w.text("Key", tags[i].Key)
		w.text("Value", tags[i].Value)
	})
}

func writeRoleLastUsed(w *xmlWriter, u *engine.RoleLastUsed) {
	if u == nil {
		return
	}
	w.open("RoleLastUsed")
	w.optTimestamp("LastUsedDate", u.LastUsedDate)
	w.optText("Region", u.Region)
	w.close("RoleLastUsed")
}

func listPolicies(c *call) (func(w *xmlWriter), error) {
	maxItems, err := c.maxItems()
	if err != nil {
		return nil, err
	}
	onlyAttached, err := c.form.boolean(paramOnlyAttached, "onlyAttached")
	if err != nil {
		return nil, err
	}
	r, err := c.eng.ListPolicies(c.ctx, engine.ListPoliciesInput{
		Account: c.account, Scope: c.form.opt(paramScope), OnlyAttached: onlyAttached,
		PathPrefix: c.form.opt(paramPathPrefix), PolicyUsageFilter: c.form.opt(paramPolicyUsageFilter),
		MaxItems: maxItems, Marker: c.form.opt(paramMarker),
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.list("Policies", len(r.Policies), func(i int) { writePolicy(w, &r.Policies[i]) })
		writePage(w, r.Page)
	}, nil
}

// writePolicy writes a Policy's members (ManagedPolicyDetail adds its
// versions).
func writePolicy(w *xmlWriter, p *engine.ManagedPolicyDetail) {
	w.text("PolicyName", p.PolicyName)
	w.text("PolicyId", p.PolicyID)
	w.text("Arn", p.Arn)
	w.text("Path", p.Path)
	w.optText("DefaultVersionId", p.DefaultVersionID)
	w.integer("AttachmentCount", p.AttachmentCount)
	w.optInteger("PermissionsBoundaryUsageCount", p.PermissionsBoundaryUsageCount)
	w.optBoolean("IsAttachable", p.IsAttachable)
	w.optText("Description", p.Description)
	w.optTimestamp("CreateDate", p.CreateDate)
	w.optTimestamp("UpdateDate", p.UpdateDate)
}

func getAccountAuthorizationDetails(c *call) (func(w *xmlWriter), error) {
	maxItems, err := c.maxItems()
	if err != nil {
		return nil, err
	}
	filter, _, err := c.form.list(paramFilter)
	if err != nil {
		return nil, err
	}
	r, err := c.eng.AccountAuthorizationDetails(c.ctx, engine.AccountAuthorizationDetailsInput{
		Account: c.account, Filter: filter, MaxItems: maxItems, Marker: c.form.opt(paramMarker),
	})
	if err != nil {
		return nil, err
	}
	return func(w *xmlWriter) {
		w.list("UserDetailList", len(r.UserDetailList), func(i int) {
			u := &r.UserDetailList[i]
			w.text("Path", u.Path)
			w.text("UserName", u.UserName)
			w.text("UserId", u.UserID)
			w.text("Arn", u.Arn)
			w.optTimestamp("CreateDate", u.CreateDate)
			writeInlinePolicies(w, "UserPolicyList", u.UserPolicyList)
			w.textList("GroupList", u.GroupList)
			writeAttached(w, u.AttachedManagedPolicies)
			writeBoundary(w, u.PermissionsBoundary)
			writeTags(w, u.Tags, true)
		})
		w.list("GroupDetailList", len(r.GroupDetailList), func(i int) {
			g := &r.GroupDetailList[i]
			w.text("Path", g.Path)
			w.text("GroupName", g.GroupName)
			w.text("GroupId", g.GroupID)
			w.text("Arn", g.Arn)
			w.optTimestamp("CreateDate", g.CreateDate)
			writeInlinePolicies(w, "GroupPolicyList", g.GroupPolicyList)
			writeAttached(w, g.AttachedManagedPolicies)
		})
		w.list("RoleDetailList", len(r.RoleDetailList), func(i int) {
			d := &r.RoleDetailList[i]
			w.text("Path", d.Path)
			w.text("RoleName", d.RoleName)
			w.text("RoleId", d.RoleID)
			w.text("Arn", d.Arn)
			w.optTimestamp("CreateDate", d.CreateDate)
			w.policyDocument("AssumeRolePolicyDocument", d.AssumeRolePolicyDocument)
			w.list("InstanceProfileList", len(d.InstanceProfileList), func(j int) {
				p := &d.InstanceProfileList[j]
				w.text("Path", p.Path)
				w.text("InstanceProfileName", p.InstanceProfileName)
				w.text("InstanceProfileId", p.InstanceProfileID)
				w.text("Arn", p.Arn)
				w.optTimestamp("CreateDate", p.CreateDate)
				w.list("Roles", len(p.Roles), func(k int) { writeRole(w, &p.Roles[k], true) })
				writeTags(w, p.Tags, false)
			})
			writeInlinePolicies(w, "RolePolicyList", d.RolePolicyList)
			writeAttached(w, d.AttachedManagedPolicies)
			writeBoundary(w, d.PermissionsBoundary)
			writeTags(w, d.Tags, true)
			writeRoleLastUsed(w, d.RoleLastUsed)
		})
		w.list("Policies", len(r.Policies), func(i int) {
			p := &r.Policies[i]
			writePolicy(w, p)
			w.list("PolicyVersionList", len(p.PolicyVersionList), func(j int) {
				v := &p.PolicyVersionList[j]
				w.policyDocument("Document", v.Document)
				w.optText("VersionId", v.VersionID)
				w.boolean("IsDefaultVersion", v.IsDefaultVersion)
				w.optTimestamp("CreateDate", v.CreateDate)
			})
		})
		writePage(w, r.Page)
	}, nil
}

func writeInlinePolicies(w *xmlWriter, name string, list []engine.InlinePolicy) {
	w.list(name, len(list), func(i int) {
		w.text("PolicyName", list[i].PolicyName)
		w.policyDocument("PolicyDocument", list[i].PolicyDocument)
	})
}

func writeAttached(w *xmlWriter, list []engine.AttachedPolicy) {
	w.list("AttachedManagedPolicies", len(list), func(i int) {
		w.text("PolicyName", list[i].PolicyName)
		w.text("PolicyArn", list[i].PolicyArn)
	})
}
