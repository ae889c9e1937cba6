// Package domain holds dealflow's sales entities — leads, accounts, deals, activities, handoffs,
// reminders, onboardings and digest records — as plain types shared by the business logic, the
// handlers and every store adapter. JSON tags are lowerCamelCase and match the event catalog in
// docs/EVENTS.md. Every stored entity carries a Version that the store uses for optimistic locking.
package domain
