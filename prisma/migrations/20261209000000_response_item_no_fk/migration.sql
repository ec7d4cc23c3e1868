-- Every answer inserts a response row. Its foreign key to item made each insert run a check query that locked the
-- item row (a WAL record, and a multixact when candidates answer the same item at once), and the index behind it was
-- one more entry to write. Items are never deleted and a bank with exams cannot be, so the item id taken from the
-- loaded bank needs neither. Nothing reads responses by item alone.

-- DropForeignKey
ALTER TABLE "response" DROP CONSTRAINT "response_item_id_fkey";

-- DropIndex
DROP INDEX "response_item_id_idx";
