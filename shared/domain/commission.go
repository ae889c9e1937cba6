package domain

import "time"

// CommissionPlan is how reps of a role (and territory) are paid on what they book: a base rate,
// accelerator tiers above quota, an optional cap, and clawback of deals that churn early.
type CommissionPlan struct {
	ID   string `yaml:"id" json:"id"`
	Role Role   `yaml:"role" json:"role"`
	// Territories the plan is for; empty means any (the first matching plan applies).
	Territories []string `yaml:"territories" json:"territories,omitempty"`
	// Currency the plan pays in (default the org currency).
	Currency string `yaml:"currency" json:"currency,omitempty"`
	// BaseRate is the share of credited bookings paid up to the first tier, e.g. 0.1.
	BaseRate float64 `yaml:"base_rate" json:"baseRate"`
	// Tiers pay Rate on bookings above Above × quota (Above 1.0 = quota), in increasing order.
	Tiers []CommissionTier `yaml:"tiers" json:"tiers,omitempty"`
	// Cap is the most commission one statement pays, in major units of Currency; empty = uncapped.
	Cap string `yaml:"cap" json:"cap,omitempty"`
	// CapMoney is Cap as Money, filled in when the file loads.
	CapMoney *Money `yaml:"-" json:"capMoney,omitempty"`
	// ClawbackDays: a won deal that churns within this many days of closing is taken back from
	// the statement of the period it churned in; 0 = no clawback.
	ClawbackDays int `yaml:"clawback_days" json:"clawbackDays,omitempty"`
}

// CommissionTier is an accelerator: Rate on the bookings above Above × quota.
type CommissionTier struct {
	Above float64 `yaml:"above" json:"above"`
	Rate  float64 `yaml:"rate" json:"rate"`
}

// DealSplit credits a share of a deal to a rep (a split deal); the shares of a deal add up to 100.
type DealSplit struct {
	RepID string `json:"repId"`
	Share int    `json:"share"` // percent
}

// CommissionPlanFor is the first plan for the rep's role and territory.
func (o *Org) CommissionPlanFor(r *Rep) (*CommissionPlan, bool) {
	for i := range o.CommissionPlans {
		p := &o.CommissionPlans[i]
		if p.Role != r.Role {
			continue
		}
		if len(p.Territories) == 0 {
			return p, true
		}
		for _, t := range p.Territories {
			if t == r.Territory {
				return p, true
			}
		}
	}
	return nil, false
}

// Churned reports when a won deal's customer churned, if it did.
func (d Deal) Churned() (time.Time, bool) {
	if d.ChurnedAt == nil {
		return time.Time{}, false
	}
	return *d.ChurnedAt, true
}
