package config

import (
	"fmt"

	"github.com/dealflow/dealflow/shared/domain"
)

// commissionPlans checks each plan and fills CapMoney: a role, rates between 0 and 1, tiers
// above quota in increasing order, a cap in the plan currency, clawback days not negative.
func (v *validator) commissionPlans() {
	ids := map[string]string{}
	for i := range v.org.CommissionPlans {
		p := &v.org.CommissionPlans[i]
		path := fmt.Sprintf("commission_plans[%d]", i)
		if v.require(path+".id", p.ID != "") {
			v.unique(ids, p.ID, path+".id", "commission plan id")
		}
		v.require(path+".role", p.Role != "")
		for j, t := range p.Territories {
			if _, ok := v.org.Territory(t); !ok {
				v.errorf(fmt.Sprintf("%s.territories[%d]", path, j), "no territory %q%s", t, didYouMean(t, v.territoryIDs()))
			}
		}
		cur := p.Currency
		if cur == "" {
			cur = v.org.Settings.Currency
		} else {
			v.currency(path+".currency", cur)
		}
		if p.BaseRate < 0 || p.BaseRate > 1 {
			v.errorf(path+".base_rate", "rate %v is out of range 0..1 (0.1 = 10 %%)", p.BaseRate)
		}
		prev := 0.0
		for j, t := range p.Tiers {
			tp := fmt.Sprintf("%s.tiers[%d]", path, j)
			if t.Above < 1 || t.Above <= prev {
				v.errorf(tp+".above", "tiers start at quota (1.0) or above, in increasing order; got %v", t.Above)
			}
			if t.Rate < 0 || t.Rate > 1 {
				v.errorf(tp+".rate", "rate %v is out of range 0..1", t.Rate)
			}
			prev = t.Above
		}
		if p.Cap != "" {
			m, err := domain.ParseMoney(p.Cap, cur)
			if err != nil || m.AmountMinor <= 0 {
				v.errorf(path+".cap", "cap %q must be a positive amount in %s (leave it out for uncapped)", p.Cap, cur)
			} else {
				p.CapMoney = &m
			}
		}
		if p.ClawbackDays < 0 {
			v.errorf(path+".clawback_days", "must not be negative (0 = no clawback)")
		}
	}
}
