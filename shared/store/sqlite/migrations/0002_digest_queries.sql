-- Digest queries: leads routed to an owner, handoffs by their current AE, won deals by team.
-- The new columns of existing rows are filled from "data" by the Go step of this migration
-- (reindex in sqlite.go), because time keys need Go's fixed-width UTC format.
ALTER TABLE leads ADD COLUMN routed_owner TEXT;
ALTER TABLE leads ADD COLUMN routed_at TEXT;
CREATE INDEX leads_routed_by_owner ON leads (routed_owner, routed_at, id) WHERE routed_owner IS NOT NULL;

ALTER TABLE handoffs ADD COLUMN ae_id TEXT NOT NULL DEFAULT '';
CREATE INDEX handoffs_by_ae ON handoffs (ae_id, requested_at, id);

ALTER TABLE deals ADD COLUMN won_team TEXT;
CREATE INDEX deals_won_by_team ON deals (won_team, closed_at, id) WHERE won_team IS NOT NULL;
