-- placeholder: filled in by the work on issue 10 (privacy).
SELECT 1;
