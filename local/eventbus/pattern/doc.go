// Package pattern is the EventBridge event-pattern matcher: it compiles a pattern once and tells
// whether events match it, with the semantics of AWS EventBridge and of aws/event-ruler, the
// matcher AWS open-sourced (the reference whenever the user guide is silent).
//
// Supported: exact strings, numbers, booleans, null and the empty string; OR within a value list;
// AND across fields; nested fields; event arrays (any element matches), with array-consistent
// matching of objects in arrays (fields matched by one rule branch never come from different
// elements of the same array); prefix, suffix (each also with equals-ignore-case),
// equals-ignore-case, wildcard (with \* and \\ escapes, "*" matches zero or more characters),
// anything-but (value, list, number, prefix, suffix, equals-ignore-case, wildcard), numeric
// (=, <, <=, >, >= and ranges), exists true/false, cidr (IPv4 and IPv6) and $or at any level.
//
// Decisions where AWS's documentation and event-ruler differ (the EventBridge conformance cases
// record AWS's answer where it is known):
//   - numbers compare as IEEE-754 doubles, like event-ruler's README ("the same precision and
//     range as Java's double"); inside the documented range (±5.0e9, six decimals) that is exact;
//   - a number in a value list matches the same number written differently ([300] matches 300.0
//     and 3e2), as event-ruler does;
//   - anything-but accepts lists for prefix, suffix, equals-ignore-case and wildcard;
//   - exists:false is judged, as in event-ruler, against the array elements already chosen by
//     the fields that sort before it (fields are matched in order of their dotted names);
//   - cidr follows event-ruler: host bits are ignored, a /32 (IPv6 /128) mask is refused, IPv4
//     octets are decimal even with leading zeros; a plain string that is an IP address matches the
//     same address in any spelling;
//   - rejected although event-ruler accepts them: the undocumented "exactly" operator, and an
//     empty list under anything-but's prefix/suffix/equals-ignore-case/wildcard (which would
//     match everything); $or expanding to more than 1000 branches is refused as AWS does.
//
// Invalid patterns are rejected by Compile with an *InvalidPatternError whose Reason is the
// message event-ruler (and therefore EventBridge) gives, e.g. "Empty arrays are not allowed".
//
// A Pattern is immutable after Compile and safe for concurrent use. MatchValue works on an event
// already decoded with encoding/json (objects as map[string]any, numbers as json.Number or
// float64), so a bus decodes an event once and matches it against every rule without allocating.
package pattern
