package config

import (
	"strconv"
	"strings"
	"testing"
)

// The token's old home, webhooks.hubspot.access_token_env, keeps working with a warning that
// names its line; integrations.hubspot wins when both are given.
func TestHubSpotIntegrationAndTheDeprecatedTokenSetting(t *testing.T) {
	sample := readSample(t)
	i := strings.Index(sample, "\nintegrations:")
	if i < 0 {
		t.Fatal("the sample has no integrations section")
	}
	old := strings.Replace(sample[:i], "    signature_versions: [v3]\n", "    signature_versions: [v3]\n    access_token_env: OLD_HUBSPOT_TOKEN\n", 1) + "\n"
	org, problems := Parse("org.yaml", []byte(old))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	line, _ := lineCol(t, old, "access_token_env: OLD_HUBSPOT_TOKEN")
	if org.Integrations.HubSpot.AccessTokenEnv != "OLD_HUBSPOT_TOKEN" || len(org.Deprecations) != 1 ||
		!strings.Contains(org.Deprecations[0], "org.yaml:"+itoa(line)+": webhooks.hubspot.access_token_env is deprecated: move it to integrations.hubspot.access_token_env") {
		t.Fatalf("old setting: token env %q, deprecations %q", org.Integrations.HubSpot.AccessTokenEnv, org.Deprecations)
	}
	if org.Integrations.HubSpot.BaseURL() != "https://api.hubapi.com" {
		t.Errorf("default base URL %q", org.Integrations.HubSpot.BaseURL())
	}

	org, problems = Parse("org.yaml", []byte(sample))
	if len(problems) > 0 || len(org.Deprecations) != 0 {
		t.Fatalf("sample: %v %v", problems, org.Deprecations)
	}
	wb := org.Integrations.HubSpot.WriteBack
	if org.Integrations.HubSpot.AccessTokenEnv != "HUBSPOT_ACCESS_TOKEN" || !wb.Owner || wb.LeadStatusProperty != "hs_lead_status" || wb.Tasks {
		t.Fatalf("sample integration: %+v", org.Integrations.HubSpot)
	}

	bad := strings.Replace(sample, "    access_token_env: HUBSPOT_ACCESS_TOKEN\n    #", "    access_token_env: pat-na1-123\n    #", 1)
	bad = strings.Replace(bad, "    # api_base_url: https://api.hubapi.com", "    api_base_url: localhost:9000/api", 1)
	bad = strings.Replace(bad, "lead_status_property: hs_lead_status", "lead_status_property: Lead Status", 1)
	_, problems = Parse("org.yaml", []byte(bad))
	got := Problems(problems).Error()
	for _, want := range []string{"integrations.hubspot.api_base_url: must be an origin", "integrations.hubspot.write_back.lead_status_property: must be a HubSpot property's internal name",
		"integrations.hubspot.access_token_env: must be the NAME of an environment variable"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
