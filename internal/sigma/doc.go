// Package sigma is the façade of Vigil's Sigma rule engine: load rules once,
// compile them into a reusable [Engine], and stream events through it.
//
// Sub-packages, in the order of the flow:
//
//	rule/        Sigma YAML → typed rules with positions; collections,
//	             correlations, filters; refusals as Issues with stable codes
//	condition/   the condition expression parser (byte positions, no panics)
//	modifier/    value modifiers, one table; values → matchers
//	compile/     detection → evaluator; literal triggers for the index
//	event/       the Event interface, map-backed events, EVTX JSON flattening
//	logsource/   logsource routing table (data: logsources.yml, documented
//	             in logsources.md)
//	engine/      indexed and plain evaluation, correlation streams, matches
//	ruletest/    rules as code: *.tests.yml beside rules; conformance cases
//	conformance/ SigmaHQ regression suite and the throughput benchmark
//
// # Entry points
//
//	vigil sigma conformance  → [Conformance] (conformance.Run)
//	vigil bench sigma        → [Bench] (conformance.Bench)
//	vigil rules test DIR     → [TestRules] (ruletest.RunDir)
//
// The pipeline compiles once with [Load] (or engine.Compile), then for each
// event calls [Engine.Match] (stateless, safe for concurrent use) or, when
// correlation rules are loaded, [Engine.NewStream] once per ordered
// partition and [Stream.Process] per event. Events implement [Event]: the
// one method Field(name) suffices; implementing event.IDer, event.IDRanger,
// event.Ranger and event.Timed (as event.Map does) makes lookups cheaper,
// enables keyword searches and gives correlations their timestamps. JSON
// events are wrapped with [FromJSON], which also flattens Windows event-log
// JSON (System/EventData) into Sigma field names.
//
// # Semantics decided here
//
//   - Field names match case-insensitively (the specification calls them
//     case-sensitive, but common backends match them insensitively, and
//     the 202 regression tests pass either way; insensitive is the safer
//     choice for events from other normalisers).
//   - Values match case-insensitively unless |cased; |re is case-sensitive
//     unless |i. "\*", "\?" and "\\" escape; any other backslash is literal.
//   - A rule value "0x1fffff" also equals an event number 2097151: the
//     Velocidex EVTX rendering writes hex fields as decimals.
//   - null matches a missing field or a JSON null; ” only an empty string.
//   - Keyword searches look at data fields, not the event-log envelope
//     (Channel, Provider_Guid, TimeCreated, ... from System).
//   - An |expand placeholder without configured values matches nothing (a
//     warning, code placeholder_undefined).
//   - Correlations: gt/gte thresholds fire as soon as they hold within the
//     sliding timespan, then the group restarts; lt/lte/eq/range are decided
//     when a tumbling window (opened by the group's first event) closes, on a
//     later event or at Stream.Flush. Rules referenced by correlations do not
//     report on their own unless a referencing correlation has generate:
//     true. State per correlation is capped (WithMaxGroups) and expires with
//     the timespan; Stream.Snapshot/Restore persist it.
//   - Filters (Sigma filter documents) AND their condition into the rules
//     they name (or, naming none, every rule whose logsource they cover).
package sigma
