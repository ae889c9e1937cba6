package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/webhook"
)

// API is what the workflow tasks use of HubSpot: *Client, or a fake in tests.
type API interface {
	platform.CRM
	GetContact(ctx context.Context, id string, props []string) (Object, error)
	UpdateContact(ctx context.Context, id string, props map[string]string) (Object, error)
	GetDeal(ctx context.Context, id string, props []string) (Object, error)
	UpdateDeal(ctx context.Context, id string, props map[string]string) (Object, error)
	OwnerIDByEmail(ctx context.Context, email string) (string, bool, error)
	CreateTask(ctx context.Context, t Task) (Object, error)
}

// Accounts is what `company.*` webhooks need from the accounts side of package lead (being
// added in parallel): create or update the account mirroring a HubSpot company. Until it is
// wired, company events are acknowledged and listed as ignored with that reason.
type Accounts interface {
	UpsertCRMAccount(ctx context.Context, c CRMCompany) (accountID string, err error)
}

// CRMCompany is a HubSpot company as the accounts capability needs it.
type CRMCompany struct {
	HubSpotID string
	Name      string
	Domain    string // lower case, no scheme
	// OwnerID is the HubSpot owner id (hubspot_owner_id), "" when none.
	OwnerID string
}

// ClientFor builds the HubSpot client the org file configures, reading the token from env; nil
// when the org uses no HubSpot API, or names a token variable that is empty and no
// api_base_url (nothing could be called).
func ClientFor(org *domain.Org, env func(string) string) *Client {
	if org == nil {
		return nil
	}
	hs := org.Integrations.HubSpot
	if !hs.Configured() {
		return nil
	}
	token := ""
	if hs.AccessTokenEnv != "" {
		token = env(hs.AccessTokenEnv)
	}
	if token == "" && hs.APIBaseURL == "" {
		return nil
	}
	return NewClient(hs.BaseURL(), token, ClientOptions{})
}

func clientFromEnv(org *domain.Org) *Client { return ClientFor(org, os.Getenv) }

// Functions are the HubSpot tasks of the lead-qualification workflow.
func Functions(s *Service) map[string]any {
	return map[string]any{
		"hubspot-fetch-contact": s.FetchContact,
		"hubspot-write-back":    s.WriteBack,
		"hubspot-deal-owner":    s.WriteDealOwner,
	}
}

// Errors are named for the workflow's Retry/Catch (the Go type name is the error name).

// ErrCRMUnavailable: HubSpot rate-limited, failed or could not be reached; the workflow retries.
type ErrCRMUnavailable struct{ Op, Cause string }

func (e ErrCRMUnavailable) Error() string { return "HubSpot unavailable: " + e.Op + ": " + e.Cause }

// ErrCRMNotConfigured: the lead needs HubSpot but the org file configures no client.
type ErrCRMNotConfigured struct{ LeadID string }

func (e ErrCRMNotConfigured) Error() string {
	return "lead " + e.LeadID + " is a HubSpot contact known only by id, and no HubSpot client is configured (integrations.hubspot.access_token_env / api_base_url)"
}

// ErrContactUnusable: HubSpot answered, but the contact cannot become a lead (gone, no email).
type ErrContactUnusable struct{ ContactID, Reason string }

func (e ErrContactUnusable) Error() string {
	return "HubSpot contact " + e.ContactID + ": " + e.Reason
}

// crmError turns a HubSpot failure into the task error the workflow decides on.
func crmError(op, contactID string, err error) error {
	var ae *APIError
	if errors.As(err, &ae) && !ae.Temporary() {
		return ErrContactUnusable{ContactID: contactID, Reason: ae.Error()}
	}
	return ErrCRMUnavailable{Op: op, Cause: err.Error()}
}

// FetchResult is what hubspot-fetch-contact returns to the workflow.
type FetchResult struct {
	Fetched bool   `json:"fetched"`
	Email   string `json:"email,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// FetchContact reads the HubSpot contact a lead was created from (a webhook carries only its
// id) and stores its properties on the lead, before it is qualified. Idempotent: a retry reads
// and writes the same values.
func (s *Service) FetchContact(ctx context.Context, in lead.LeadRef) (FetchResult, error) {
	l, err := platform.LoadLead(ctx, s.Store, s.Log, in.LeadID)
	if err != nil {
		return FetchResult{}, err
	}
	if l.Source != "hubspot" || l.ExternalID == "" {
		return FetchResult{Skipped: "not a HubSpot contact"}, nil
	}
	if s.CRM == nil {
		if l.Email != "" {
			return FetchResult{Skipped: "no HubSpot client: the lead keeps what the webhook carried"}, nil
		}
		return FetchResult{}, ErrCRMNotConfigured{LeadID: l.ID}
	}
	id, err := strconv.ParseInt(l.ExternalID, 10, 64)
	if err != nil {
		return FetchResult{}, platform.ErrBadInput{Reason: "HubSpot contact id " + l.ExternalID + " is not a number"}
	}
	props, err := s.CRM.Contact(ctx, id)
	if err != nil {
		s.Log.Warn("read HubSpot contact failed", "lead_id", l.ID, "contact_id", l.ExternalID, "error", err.Error())
		return FetchResult{}, crmError("read contact", l.ExternalID, err)
	}
	norm, err := s.Leads.Normalizer.Normalize(webhook.HubSpotContactInput(id, props))
	if err != nil {
		return FetchResult{}, ErrContactUnusable{ContactID: l.ExternalID, Reason: err.Error()}
	}
	c := norm.Lead
	if _, err := s.Store.UpdateLead(ctx, l.ID, func(old domain.Lead) (domain.Lead, error) {
		return withContact(old, c, s.Clock.Now()), nil
	}); err != nil {
		return FetchResult{}, platform.ErrStoreUnavailable{Op: "update lead"}
	}
	// The email now finds this lead, so a later form or API submission merges into it.
	if k := qualify.DedupeKey(c.Email); k != "" {
		if got, _, err := s.Store.PutIdempotencyKey(ctx, "lead-email:"+k, l.ID, 0); err != nil {
			return FetchResult{}, platform.ErrStoreUnavailable{Op: "claim email"}
		} else if got != l.ID {
			s.Log.Warn("HubSpot contact has the email of another lead", "lead_id", l.ID, "other_lead_id", got)
		}
	}
	s.Log.Info("HubSpot contact read", "lead_id", l.ID, "contact_id", l.ExternalID)
	return FetchResult{Fetched: true, Email: c.Email}, nil
}

// withContact is the lead with the contact's values: HubSpot is where the contact is kept, so
// its non-empty values win over what the lead had.
func withContact(l, c domain.Lead, now time.Time) domain.Lead {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&l.Email, c.Email)
	set(&l.Name, c.Name)
	set(&l.Company, c.Company)
	set(&l.Domain, c.Domain)
	set(&l.Country, c.Country)
	set(&l.Region, c.Region)
	set(&l.State, c.State)
	set(&l.Phone, c.Phone)
	set(&l.Title, c.Title)
	set(&l.Industry, c.Industry)
	if c.Employees != 0 {
		l.Employees = c.Employees
	}
	if len(c.Attributes) > 0 {
		attrs := make(map[string]string, len(l.Attributes)+len(c.Attributes))
		for k, v := range l.Attributes {
			attrs[k] = v
		}
		for k, v := range c.Attributes {
			attrs[k] = v
		}
		l.Attributes = attrs
	}
	l.UpdatedAt = now
	return l
}

// WriteBackAttribute is the lead attribute holding the last write-back to HubSpot (what, when,
// HubSpot's answer), shown on the lead's console page.
const WriteBackAttribute = "dealflow.hubspot_write_back"

// WriteBackResult is what hubspot-write-back returns to the workflow (and its history shows).
type WriteBackResult struct {
	// Properties written (only those that differed), or nil.
	Written map[string]string `json:"written"`
	Status  int               `json:"status,omitempty"` // HubSpot's HTTP status for the PATCH
	Record  string            `json:"record"`
	Skipped string            `json:"skipped,omitempty"`
}

// WriteBack writes the routing outcome onto the HubSpot contact, as the org opts in: the owner
// (hubspot_owner_id of the HubSpot owner with the rep's email) and the lead status property. It
// reads the contact first and writes only what differs, so a retried or repeated run writes
// nothing twice; the outcome is recorded on the lead.
func (s *Service) WriteBack(ctx context.Context, in lead.LeadRef) (WriteBackResult, error) {
	l, err := platform.LoadLead(ctx, s.Store, s.Log, in.LeadID)
	if err != nil {
		return WriteBackResult{}, err
	}
	wb := s.Org.Integrations.HubSpot.WriteBack
	switch {
	case l.Source != "hubspot" || l.ExternalID == "":
		return WriteBackResult{Skipped: "not a HubSpot contact"}, nil
	case !wb.Owner && wb.LeadStatusProperty == "":
		return WriteBackResult{Skipped: "write-back is off (integrations.hubspot.write_back)"}, nil
	case s.API == nil:
		return WriteBackResult{Skipped: "no HubSpot client configured"}, nil
	}
	want := map[string]string{}
	var notes []string
	if wb.Owner && l.OwnerID != "" {
		rep, ok := s.Org.Rep(l.OwnerID)
		switch {
		case !ok || rep.Email == "":
			notes = append(notes, "owner "+l.OwnerID+" has no email in the org file")
		default:
			oid, found, err := s.API.OwnerIDByEmail(ctx, rep.Email)
			if err != nil {
				return WriteBackResult{}, crmError("list owners", l.ExternalID, err)
			}
			if found {
				want["hubspot_owner_id"] = oid
			} else {
				notes = append(notes, "no HubSpot owner has the email "+rep.Email)
			}
		}
	}
	if p := wb.LeadStatusProperty; p != "" {
		want[p] = leadStatusValue(p, l)
	}
	if len(want) == 0 {
		return s.record(ctx, l.ID, WriteBackResult{Skipped: strings.Join(append(notes, "nothing to write"), "; ")})
	}
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	cur, err := s.API.GetContact(ctx, l.ExternalID, names)
	if err != nil {
		return s.failed(ctx, l, "read contact", err)
	}
	diff := map[string]string{}
	for k, v := range want {
		if cur.Properties[k] != v {
			diff[k] = v
		}
	}
	if len(diff) == 0 {
		return s.record(ctx, l.ID, WriteBackResult{Skipped: strings.Join(append(notes, "contact "+l.ExternalID+" already has "+describe(want)), "; ")})
	}
	if _, err := s.API.UpdateContact(ctx, l.ExternalID, diff); err != nil {
		return s.failed(ctx, l, "update contact", err)
	}
	res := WriteBackResult{Written: diff, Status: http.StatusOK}
	res.Record = fmt.Sprintf("%s PATCH contact %s %s → %d", s.Clock.Now().UTC().Format(time.RFC3339), l.ExternalID, describe(diff), http.StatusOK)
	if len(notes) > 0 {
		res.Record += " (" + strings.Join(notes, "; ") + ")"
	}
	s.Log.Info("HubSpot contact written back", "lead_id", l.ID, "contact_id", l.ExternalID, "properties", describe(diff))
	return s.record(ctx, l.ID, res)
}

// failed returns a temporary failure to the workflow (which retries) and records a refusal on
// the lead (retrying would not help).
func (s *Service) failed(ctx context.Context, l domain.Lead, op string, err error) (WriteBackResult, error) {
	if IsTemporary(err) || !isAPIError(err) {
		return WriteBackResult{}, ErrCRMUnavailable{Op: op, Cause: err.Error()}
	}
	var ae *APIError
	errors.As(err, &ae)
	res := WriteBackResult{Status: ae.Status, Skipped: ae.Error()}
	res.Record = fmt.Sprintf("%s %s for contact %s refused: %s", s.Clock.Now().UTC().Format(time.RFC3339), op, l.ExternalID, ae.Error())
	return s.record(ctx, l.ID, res)
}

func isAPIError(err error) bool {
	var ae *APIError
	return errors.As(err, &ae)
}

// record keeps the outcome on the lead (WriteBackAttribute), for the console.
func (s *Service) record(ctx context.Context, leadID string, res WriteBackResult) (WriteBackResult, error) {
	if res.Record == "" {
		res.Record = s.Clock.Now().UTC().Format(time.RFC3339) + " nothing written: " + res.Skipped
	}
	_, err := s.Store.UpdateLead(ctx, leadID, func(old domain.Lead) (domain.Lead, error) {
		attrs := make(map[string]string, len(old.Attributes)+1)
		for k, v := range old.Attributes {
			attrs[k] = v
		}
		attrs[WriteBackAttribute] = res.Record
		old.Attributes = attrs
		return old, nil
	})
	if err != nil {
		// The write itself happened (or was not needed); a retry reads, compares and only records.
		return res, platform.ErrStoreUnavailable{Op: "record write-back"}
	}
	return res, nil
}

func describe(props map[string]string) string {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + props[k]
	}
	return strings.Join(parts, ", ")
}

// leadStatusValue is the value written to the lead status property: for HubSpot's own
// hs_lead_status one of its options (NEW, OPEN, UNQUALIFIED…), for a custom property dealflow's
// status as is. https://knowledge.hubspot.com/contacts/hubspots-default-contact-properties
func leadStatusValue(prop string, l domain.Lead) string {
	if prop != "hs_lead_status" {
		return string(l.Status)
	}
	switch l.Status {
	case domain.LeadRouted:
		return "OPEN"
	case domain.LeadDisqualified:
		return "UNQUALIFIED"
	default:
		return "NEW"
	}
}
