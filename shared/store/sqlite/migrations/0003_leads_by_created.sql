-- Digest query: every lead created in a window (a team's new leads, whatever became of them).
CREATE INDEX leads_by_created ON leads (created_at, id);
