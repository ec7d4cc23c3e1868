-- Every answer inserts a response row. Its foreign key to item made each insert run a check query that locked the
-- item row (a WAL record, and a multixact when candidates answer the same item at once), and the index behind it was
-- one more entry to write. Items are never deleted and a bank with exams cannot be, so the item id taken from the
-- loaded bank needs neither. Nothing reads responses by item alone.

-- Both statements lock response (and item) for a moment: give up after 5 s rather than hold every answer queued
-- behind a long transaction. After a timeout, mark the migration rolled back (prisma migrate resolve --rolled-back)
-- and deploy again when it is quiet: both statements may run twice.
SET lock_timeout = '5s';

-- DropForeignKey
ALTER TABLE "response" DROP CONSTRAINT IF EXISTS "response_item_id_fkey";

-- DropIndex
DROP INDEX IF EXISTS "response_item_id_idx";

-- The rest of the deploy runs on the same connection: no lock timeout for later migrations.
RESET lock_timeout;
