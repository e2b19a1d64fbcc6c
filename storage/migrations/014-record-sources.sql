-- Service records from the city's signature projects: a fulfilled micro-wish ('wish') and a
-- household visit ('visit') are credited as records with no activity, like an admin's addition.
--
-- SQLite cannot alter a CHECK constraint. Widening one changes no stored row (every row
-- satisfies the wider check), so this uses the procedure SQLite documents for such changes
-- (https://www.sqlite.org/lang_altertable.html#otheralter) instead of rebuilding a table that
-- other tables reference and whose triggers keep the monthly totals: the table's definition is
-- edited in sqlite_schema, this connection reloads it (writable_schema = RESET), and the schema
-- version is bumped so every other connection reloads it too. The step that bumps the version
-- is itself the guard: it fails, and the whole migration with it, unless the edit took.

PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql,
    'source TEXT NOT NULL CHECK (source IN (''activity'', ''manual''))',
    'source TEXT NOT NULL CHECK (source IN (''activity'', ''manual'', ''wish'', ''visit''))')
WHERE type = 'table' AND name = 'service_records';
PRAGMA writable_schema = RESET;

CREATE TABLE migration_014_check (widened INTEGER NOT NULL CHECK (widened = 1));
INSERT INTO migration_014_check (widened)
SELECT COUNT(*) FROM sqlite_schema
WHERE type = 'table' AND name = 'service_records'
  AND sql LIKE '%CHECK (source IN (''activity'', ''manual'', ''wish'', ''visit''))%';
DROP TABLE migration_014_check;
