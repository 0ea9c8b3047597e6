package engine

// ApplySCPChangeSet reads a change set and applies it to org, as a
// what-if does before computing its report.
func ApplySCPChangeSet(org *Organization, text string) (*Organization, error) {
	changes, err := parseSCPChanges(text)
	if err != nil {
		return nil, err
	}
	return applySCPChanges(org, changes)
}
