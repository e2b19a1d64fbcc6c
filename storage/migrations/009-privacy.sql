-- Privacy: free text and Telegram ids out of the append-only audit, erasure and retention.
--
-- record_audit is append-only (its triggers refuse UPDATE and DELETE), so whatever it holds it
-- holds for ever. It used to hold the reason typed for a change (for a dispute, the volunteer's
-- own words) and the actor's Telegram id. Both now live in small mutable tables the audit row
-- points to, which /forget_me can redact while the audit row itself never changes:
--   record_notes  the free text of a change (a reason, a dispute's text); redactable;
--   audit_actors  who acted, as a pseudonymous key; the Telegram id is dropped on erasure, the
--                 key stays, so "the same (erased) person did both" still reads from the audit.
-- Existing audit rows are moved over here: the append-only update trigger is dropped for the
-- length of this migration, every row gets its actor key and note id, the two old columns are
-- dropped (SQLite rewrites the table, keeping its CHECKs and indexes), and the trigger comes back.

CREATE TABLE audit_actors (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER UNIQUE,  -- NULL once the person erased their data
    erased_at TEXT,
    CHECK ((telegram_id IS NULL) = (erased_at IS NOT NULL))
);

CREATE TABLE record_notes (
    id INTEGER PRIMARY KEY,
    record_id INTEGER NOT NULL REFERENCES service_records(id),
    text TEXT,  -- NULL once redacted
    redacted_at TEXT,
    CHECK ((text IS NULL) = (redacted_at IS NOT NULL))
);
CREATE INDEX record_notes_by_record ON record_notes(record_id);

ALTER TABLE record_audit ADD COLUMN actor_id INTEGER REFERENCES audit_actors(id);
ALTER TABLE record_audit ADD COLUMN note_id INTEGER REFERENCES record_notes(id);

INSERT INTO audit_actors (telegram_id)
SELECT DISTINCT actor_telegram_id FROM record_audit WHERE actor_telegram_id IS NOT NULL
ORDER BY actor_telegram_id;
-- A note keeps the id of the audit row it came from.
INSERT INTO record_notes (id, record_id, text)
SELECT id, record_id, reason FROM record_audit WHERE reason IS NOT NULL;

DROP TRIGGER record_audit_append_only_update;
UPDATE record_audit SET
    actor_id = (SELECT a.id FROM audit_actors a WHERE a.telegram_id = record_audit.actor_telegram_id),
    note_id = CASE WHEN reason IS NOT NULL THEN id END;
ALTER TABLE record_audit DROP COLUMN actor_telegram_id;
ALTER TABLE record_audit DROP COLUMN reason;
CREATE TRIGGER record_audit_append_only_update BEFORE UPDATE ON record_audit
BEGIN SELECT RAISE(ABORT, 'record_audit is append-only'); END;

-- People who erased their data before this migration: their notes and dispute texts are
-- redacted, and the actor key of their own disputes loses its Telegram id. (Their Telegram id
-- was already gone from the volunteers row, so nothing else can be traced back to them.)
UPDATE record_notes SET text = NULL, redacted_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
WHERE text IS NOT NULL AND record_id IN (
    SELECT r.id FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id
    WHERE v.forgotten_at IS NOT NULL);
UPDATE disputes SET text = '', reason = NULL
WHERE record_id IN (
    SELECT r.id FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id
    WHERE v.forgotten_at IS NOT NULL);
UPDATE audit_actors SET telegram_id = NULL, erased_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
WHERE telegram_id IS NOT NULL
  AND telegram_id NOT IN (SELECT telegram_id FROM volunteers WHERE telegram_id IS NOT NULL)
  AND id IN (
    SELECT au.actor_id FROM record_audit au
    JOIN service_records r ON r.id = au.record_id
    JOIN volunteers v ON v.id = r.volunteer_id
    WHERE au.action = 'disputed' AND v.forgotten_at IS NOT NULL);

-- Retention: a broadcast's body is blanked after `retention.broadcast_days`, and its sent (or
-- otherwise finished) outbox rows are deleted after `retention.outbox_days`; the counts of the
-- deleted rows are kept here, so a broadcast's report still adds up.
ALTER TABLE broadcasts ADD COLUMN body_redacted_at TEXT;
ALTER TABLE broadcasts ADD COLUMN archived_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN archived_blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN archived_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts ADD COLUMN archived_cancelled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_finished ON outbox(updated_at)
    WHERE state IN ('sent', 'blocked', 'failed', 'cancelled');
CREATE INDEX broadcasts_unredacted ON broadcasts(created_at) WHERE body_redacted_at IS NULL;
