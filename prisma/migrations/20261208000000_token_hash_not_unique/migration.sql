-- An exam token is checked against its exam, found by id: no lookup by the hash alone needs this index, and a
-- unique index without the exam id would stop the table from being distributed on it (docs/scaling.md).
DROP INDEX "exam_session_token_hash_key";
