// Package incident groups alerts into incidents and serves the analyst's work on them.
//
// The [Correlator] places every alert that has no incident yet, in detection order, from the state store alone:
// a rule's own grouping first (Sentinel's groupingConfiguration: AnyAlert, AllEntities, Selected, lookback,
// reopening), then the entities the alert shares with open incidents, each weighted by its type and scaled down
// by how widely it is seen (an entity seen with many hosts, accounts or incidents glues nothing on its own).
// Every decision is stored with its reason. The [Service] validates analysts' changes (update, comment, tasks,
// merge, split, move, undo) and the [Publisher] writes every change as a row of the SecurityIncident table.
// [ScorePairs] measures a grouping against a ground truth.
package incident
