package policy

// Action-level SCP evaluation, for what-if reports: which of the actions
// principals really used would a change of SCPs forbid? The same leaning
// as the service level applies: an Allow lets an action through a level
// whatever its Resource or Condition, and only a Deny that applies to
// every request forbids an action.

// ActionAllowedByLevels reports whether the full action name
// ("s3:DeleteBucket") is allowed at the end of a path whose levels hold
// the SCPs attached there: every level must have a document with an Allow
// statement selecting the action, and no statement of any level may deny
// it for every request. An empty level allows nothing; no levels at all
// is vacuously allowed.
func ActionAllowedByLevels(levels [][]*Document, action string) bool {
	for _, level := range levels {
		allowed := false
		for _, doc := range level {
			if doc == nil {
				continue
			}
			for i := range doc.Statements {
				st := &doc.Statements[i]
				if !st.matchesAction(action) {
					continue
				}
				switch {
				case st.Effect == EffectDeny && st.appliesToEveryRequest():
					return false
				case st.Effect == EffectAllow:
					allowed = true
				}
			}
		}
		if !allowed {
			return false
		}
	}
	return true
}

// TouchesService reports whether some statement of the document, of
// either effect, selects at least one action of the service: a document
// that touches no action of a service cannot change whether any of its
// actions is allowed.
func (d *Document) TouchesService(namespace string, actions []string) bool {
	if d == nil {
		return false
	}
	for i := range d.Statements {
		if d.Statements[i].touchesService(namespace, actions) {
			return true
		}
	}
	return false
}
