// Package policy owns IAM policy documents as lastaccess reads them: the
// parser for identity policies and service control policies (SCPs), the
// case-insensitive glob matcher for action patterns, and the two ways the
// reports evaluate documents:
//
//   - SCP evaluation (SPEC §2): whether a service is allowed at an account,
//     by the SCPs of every level of its path (AllowsService, DeniesService,
//     ServiceAllowedByLevels);
//   - identity-policy evaluation (SPEC §4.2): whether a user's, group's,
//     role's or managed policy's documents allow an action or a service
//     (Decision, Evaluate, ServicesAllowed, ActionsAllowed).
//
// Both are deliberately about reporting, not authorization: they answer
// "could this principal use some of this service" from the documents alone.
// Conditions, resources and principals are never evaluated; they only decide
// whether a Deny proves that access is impossible. Where the documents are
// ambiguous the answer leans towards listing the service, as Access Advisor
// does.
//
// # Actions of a service
//
// The service-level functions take a namespace ("s3") and the service's
// action names, bare ("GetObject"), or nil. With names, the service's
// actions are exactly "<namespace>:<name>". Without (nil or empty: no real
// service has no actions, and an empty list from the catalog must not read
// as "this service can do nothing"), the answers hold for every possible
// action name: an action is touched when some "<namespace>:X", X a
// non-empty run of ASCII letters and digits, matches; the service is
// covered when "<namespace>:X" matches for every non-empty X. Callers pass
// a service's complete action list or none: the catalog's tracked actions
// are a subset, and reasoning over a subset would miss an Allow of an
// untracked action.
//
// The package knows nothing of the organization, the catalog or storage: the
// caller passes the documents of each level and, optionally, the action
// names of a service. It imports only the standard library and must never
// import another lastaccess package.
package policy
