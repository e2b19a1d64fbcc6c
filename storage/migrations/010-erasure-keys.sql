-- Erasure by key, not by text.
--
-- A notice that names a volunteer (a dispute, a late cancellation, a review request, a group
-- congratulation) records whom it is about, so /forget_me blanks it whatever name it was
-- written with; names are no longer searched for in records, activities or template notices
-- (a name can also be an ordinary word).
ALTER TABLE outbox ADD COLUMN about_volunteer_id INTEGER REFERENCES volunteers(id);
CREATE INDEX outbox_about ON outbox(about_volunteer_id) WHERE about_volunteer_id IS NOT NULL;

-- Leads erased before migration 009 left their Telegram id behind: the erasure logged their
-- own demotion with that id as the actor (in the append-only role log), and kept their account
-- row, their messages and the actor columns of what they did. They are found through that log
-- entry (their demotion at the very moment of their erasure), unless the same Telegram account
-- has registered again since (then the id is in use by a new, consenting record).
CREATE TEMP TABLE erased_leads AS
SELECT DISTINCT rc.actor_telegram_id AS telegram_id
FROM role_changes rc JOIN volunteers v ON v.id = rc.volunteer_id
WHERE v.forgotten_at IS NOT NULL AND rc.action = 'demote' AND rc.at = v.forgotten_at
  AND rc.actor_telegram_id != 0
  AND rc.actor_telegram_id NOT IN (SELECT telegram_id FROM volunteers WHERE telegram_id IS NOT NULL);

DELETE FROM accounts WHERE telegram_id IN (SELECT telegram_id FROM erased_leads);
DELETE FROM dialogues WHERE telegram_id IN (SELECT telegram_id FROM erased_leads);
UPDATE outbox SET chat_id = 0, text = '', buttons = NULL, file_path = NULL, file_kind = NULL,
    state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END
WHERE chat_id IN (SELECT telegram_id FROM erased_leads);
UPDATE audit_actors SET telegram_id = NULL, erased_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
WHERE telegram_id IN (SELECT telegram_id FROM erased_leads);
UPDATE activities SET created_by = 0 WHERE created_by IN (SELECT telegram_id FROM erased_leads);
UPDATE checkin_codes SET issued_by = 0 WHERE issued_by IN (SELECT telegram_id FROM erased_leads);
UPDATE checkins SET marked_by = 0 WHERE marked_by IN (SELECT telegram_id FROM erased_leads);
UPDATE attendance_sheets SET approved_by = 0
WHERE approved_by IN (SELECT telegram_id FROM erased_leads);
UPDATE disputes SET resolved_by = 0 WHERE resolved_by IN (SELECT telegram_id FROM erased_leads);
UPDATE team_leads SET appointed_by = 0 WHERE appointed_by IN (SELECT telegram_id FROM erased_leads);
UPDATE team_groups SET linked_by = 0 WHERE linked_by IN (SELECT telegram_id FROM erased_leads);
UPDATE broadcasts SET author_telegram_id = 0, body = ''
WHERE author_telegram_id IN (SELECT telegram_id FROM erased_leads);

-- The role log is append-only; its update trigger is lifted for this one correction only.
DROP TRIGGER role_changes_append_only_update;
UPDATE role_changes SET actor_telegram_id = 0
WHERE actor_telegram_id IN (SELECT telegram_id FROM erased_leads);
CREATE TRIGGER role_changes_append_only_update BEFORE UPDATE ON role_changes
BEGIN SELECT RAISE(ABORT, 'role_changes is append-only'); END;

DROP TABLE erased_leads;
