// Package awsorg reads an organization as the AWS CLI prints it and builds
// the engine's organization snapshot (SPEC §3) from it.
//
// The input is a directory of the JSON the AWS CLI prints for `aws
// organizations …` (merged pages, as it prints them by default), one file
// per command and argument; scripts/org-snapshot.sh writes it:
//
//	describe-organization.json
//	list-roots.json
//	list-organizational-units-for-parent/<parent-id>.json   root and every OU
//	list-accounts-for-parent/<parent-id>.json               root and every OU
//	list-policies.json                                      --filter SERVICE_CONTROL_POLICY
//	describe-policy/<policy-id>.json                        every listed SCP
//	list-targets-for-policy/<policy-id>.json                every listed SCP
//
// Read walks the tree from the root as the script does, so a file is
// needed exactly when a listing it has read names its id; each problem is
// a *FileError naming the file (ErrMissing, ErrMalformed, ErrCut). Ids
// are checked with engine.CheckID before they name a file. Everything
// else about the organization (parents, policy documents, an SCP on every
// entity) is the engine's validation, the same as for a snapshot file.
//
// Imports: engine (the snapshot types and id rules), engine/policy (to
// name the describe-policy file whose document does not parse) and
// internal/jsonpos; never storage, sqlfront or cmd (import_test.go).
package awsorg
