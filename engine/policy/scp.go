package policy

// SCP evaluation (SPEC §2). An SCP never grants anything; it bounds what
// identity policies can grant. For the Organizations report the question is
// per service: could a principal at this account use the service at all?
// The answer must not depend on resources, conditions or request context,
// so:
//
//   - an Allow statement lets the service through a level as soon as it
//     allows one of its actions, whatever its Resource or Condition (an
//     Allow on one bucket, or only from one network, still allows some
//     access);
//   - a Deny statement removes the service only when it denies every
//     action of it in every request: no Condition, every resource and
//     principal. A Deny of some actions, or under a condition, or on some
//     resources, leaves some access possible and the service listed.

// AllowsService reports whether some Allow statement of the document allows
// at least one action of the service: with Action, some pattern touches the
// service (PatternTouchesService); with NotAction, the service has an
// action outside every NotAction pattern (with actions: one not matched by
// any pattern; without: the patterns together do not cover the service).
// See "Actions of a service" in the package documentation for actions.
func (d *Document) AllowsService(namespace string, actions []string) bool {
	if d == nil {
		return false
	}
	for i := range d.Statements {
		st := &d.Statements[i]
		if st.Effect == EffectAllow && st.touchesService(namespace, actions) {
			return true
		}
	}
	return false
}

// DeniesService reports whether some Deny statement of the document removes
// the whole service: it applies to every request (no Condition, Resource "*"
// or absent, no NotResource, no NotPrincipal) and its actions cover the
// service: with Action, the patterns together match every action of it
// (a Deny of "s3:Delete*" does not remove s3); with NotAction, no NotAction
// pattern touches the service (Deny NotAction ["ec2:*", "iam:*"] removes s3
// and every other service but ec2 and iam).
func (d *Document) DeniesService(namespace string, actions []string) bool {
	if d == nil {
		return false
	}
	for i := range d.Statements {
		st := &d.Statements[i]
		if st.Effect == EffectDeny && st.appliesToEveryRequest() && st.coversService(namespace, actions) {
			return true
		}
	}
	return false
}

// ServiceAllowedByLevels reports whether the service is allowed by SCPs at
// the end of a path whose levels (root, each OU, the account) hold the SCPs
// attached there: every level must have a document that AllowsService, and
// no document of any level may DeniesService. An empty level allows
// nothing, since once SCPs are in use every entity has at least one; the
// caller decides beforehand whether SCPs are in use at all, and whether the
// account is the management account, which SCPs do not limit. No levels at
// all is vacuously allowed.
func ServiceAllowedByLevels(levels [][]*Document, namespace string, actions []string) bool {
	for _, level := range levels {
		allowed := false
		for _, doc := range level {
			if doc.DeniesService(namespace, actions) {
				return false
			}
			allowed = allowed || doc.AllowsService(namespace, actions)
		}
		if !allowed {
			return false
		}
	}
	return true
}

// touchesService reports whether the statement's actions include at least
// one action of the service.
func (st *Statement) touchesService(namespace string, actions []string) bool {
	if len(st.NotAction) > 0 {
		return !patternsCoverService(st.NotAction, namespace, actions)
	}
	return anyPatternTouchesService(st.Action, namespace, actions)
}

// coversService reports whether the statement's actions include every
// action of the service.
func (st *Statement) coversService(namespace string, actions []string) bool {
	if len(st.NotAction) > 0 {
		return !anyPatternTouchesService(st.NotAction, namespace, actions)
	}
	return patternsCoverService(st.Action, namespace, actions)
}
