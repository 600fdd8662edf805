ALTER TABLE alerts ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
ALTER TABLE alerts ADD COLUMN incident_id TEXT NOT NULL DEFAULT '';
CREATE INDEX alerts_incident ON alerts (incident_id);
