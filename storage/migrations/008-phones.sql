-- placeholder: filled in by the work on issue 10 (phones).
SELECT 1;
