// Package qualify owns the pure decisions about a lead before it is routed: normalising what a
// source sent (email, names, country, phone), the de-duplication key and merge, matching the lead
// to a known account, and scoring and classifying it against the org's scoring model with an
// explanation line for every rule that changed the score. No I/O and no clock: callers pass now.
package qualify
