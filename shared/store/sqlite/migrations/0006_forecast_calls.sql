-- Forecast calls: one row per submission of a manager's call for a team's forecast period.
CREATE TABLE forecast_calls (
    team_id      TEXT NOT NULL,
    period_key   TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (team_id, period_key, submitted_at)
);
