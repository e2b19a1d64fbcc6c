-- placeholder: filled in by the work on issue 10 (integrity).
SELECT 1;
