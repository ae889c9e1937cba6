-- Reminder sweep: an owner's open deals, without the closed ones that pile up over the years.
CREATE INDEX deals_open_by_owner ON deals (owner_id, created_at, id) WHERE open_team IS NOT NULL;
