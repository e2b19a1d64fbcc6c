-- Integrity of service hours. The last presence signal of a check-in (a code scanned again, a
-- live location updated inside the radius): a forgotten check-out is credited up to it, not
-- up to the scheduled end. Service records keep it so the sheet can show it.
ALTER TABLE checkins ADD COLUMN last_seen_at TEXT;
ALTER TABLE service_records ADD COLUMN last_seen_at TEXT;
