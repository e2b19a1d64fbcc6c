-- Verified phone numbers (issue 10, items 8 and 9).
--
-- A number is verified when the person shared it as their own Telegram contact (the contact's
-- user_id is the sender); a typed number is not. A verified contact takes a number over from an
-- account that only typed it. That account is then left without a number until it confirms its
-- own. The table's CHECK needs a phone on every active row, and SQLite cannot change a CHECK
-- without rebuilding the table (which other tables' foreign keys and triggers make unsafe
-- inside a migration's transaction), so such a row holds the placeholder 'released:<id>':
-- never a valid phone, never shown (storage/volunteers.py reads it as no number).
ALTER TABLE volunteers ADD COLUMN phone_verified INTEGER NOT NULL DEFAULT 0
    CHECK (phone_verified IN (0, 1));

-- Imported roster entries that an account took over were linked by a shared contact: verified.
-- Nobody else's number is known to have been shared, so the rest start unverified.
UPDATE volunteers SET phone_verified = 1
WHERE imported_at IS NOT NULL AND telegram_id IS NOT NULL AND forgotten_at IS NULL;
