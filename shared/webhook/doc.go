// Package webhook owns everything between an inbound HTTP body and a lead the rest of dealflow can
// trust: signature verification (HubSpot v1/v2/v3 and dealflow's own HMAC header) and the intake
// parsers for JSON leads, HubSpot contact-event batches and urlencoded web forms. It has no HTTP
// or AWS types in its API: callers pass headers, bodies and the current time as plain values.
package webhook
