import { Injectable } from '@nestjs/common';
import type { Item } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service.js';
import type { OptionDto } from './dto/item-bank.dto.js';

/** One item of an import, ids assigned. */
export interface NewItemRow {
  id: string;
  externalId: string;
  stem: string;
  options: OptionDto[];
  correctKey: string;
  a: number;
  b: number;
  c?: number;
  d?: number;
  contentArea?: string;
}

/** Rows per INSERT of an import: each statement's parameters are built (synchronously) in a few milliseconds. */
const ROWS_PER_INSERT = 1_000;

/**
 * One chunk of an import: $2 is the first chunk row's ordinal; the rest are one array per column (pg sends doubles
 * as their shortest round-trip text, so parameters arrive bit for bit).
 */
const INSERT_ITEMS = `
  INSERT INTO item (id, bank_id, ordinal, external_id, stem, options, correct_key, a, b, c, d, content_area, enabled, created_at, updated_at)
  SELECT u.id, $1::uuid, $2::int + (u.n - 1)::int, u.ext, u.stem, u.opts::jsonb, u.ck, u.a, u.b, u.c, u.d, u.area, true, now(), now()
    FROM unnest($3::uuid[], $4::varchar[], $5::text[], $6::text[], $7::varchar[], $8::float8[], $9::float8[], $10::float8[], $11::float8[],
                $12::varchar[])
         WITH ORDINALITY AS u(id, ext, stem, opts, ck, a, b, c, d, area, n)`;

export type ItemPatch = Partial<Pick<Item, 'externalId' | 'stem' | 'correctKey' | 'a' | 'b' | 'c' | 'd' | 'contentArea' | 'enabled'>> & {
  options?: OptionDto[];
};

/** One item row as a bank snapshot is built from it. */
export interface SnapshotRow {
  version: number;
  id: string | null;
  ordinal: number | null;
  stem: string | null;
  options: OptionDto[] | null;
  correctKey: string | null;
  a: number;
  b: number;
  c: number;
  d: number;
  contentArea: string | null;
  enabled: boolean;
}

export type InsertItemsResult =
  | { outcome: 'inserted'; bankVersion: number }
  /** Some externalIds already exist in the bank: nothing was inserted. */
  | { outcome: 'taken'; externalIds: Set<string> }
  | { outcome: 'no-bank' };

/** Postgres side of banks and items. Every change to a bank's items bumps its version in the same transaction. */
@Injectable()
export class ItemBanksRepository {
  constructor(private readonly prisma: PrismaService) {}

  createBank(name: string) {
    return this.prisma.itemBank.create({ data: { name }, select: { id: true, name: true, version: true, createdAt: true } });
  }

  async findBank(bankId: string): Promise<{ id: string; name: string; version: number; itemCount: number } | null> {
    const bank = await this.prisma.itemBank.findUnique({
      where: { id: bankId },
      select: { id: true, name: true, version: true, _count: { select: { items: true } } },
    });
    return bank && { id: bank.id, name: bank.name, version: bank.version, itemCount: bank._count.items };
  }

  async bankVersion(bankId: string): Promise<number | null> {
    const bank = await this.prisma.itemBank.findUnique({ where: { id: bankId }, select: { version: true } });
    return bank?.version ?? null;
  }

  /**
   * All or nothing, in one transaction: the bank row is locked (ordinals are assigned max + 1 … without races),
   * external ids already in the bank are refused, the rows go in by INSERTs over unnest() arrays of
   * ROWS_PER_INSERT rows, and the bank version is bumped.
   */
  async insertItems(bankId: string, items: readonly NewItemRow[]): Promise<InsertItemsResult> {
    return this.prisma.sqlTransaction(async (client) => {
      const locked = await client.query('SELECT version FROM item_bank WHERE id = $1 FOR UPDATE', [bankId]);
      if (locked.rowCount === 0) return { outcome: 'no-bank' };
      const taken = await client.query<{ external_id: string }>('SELECT external_id FROM item WHERE bank_id = $1 AND external_id = ANY($2::varchar[])', [
        bankId,
        items.map((item) => item.externalId),
      ]);
      if (taken.rows.length > 0) return { outcome: 'taken', externalIds: new Set(taken.rows.map((row) => row.external_id)) };
      const {
        rows: [{ next }],
      } = await client.query<{ next: number }>('SELECT (COALESCE(MAX(ordinal), -1) + 1)::int AS next FROM item WHERE bank_id = $1', [bankId]);
      for (let start = 0; start < items.length; start += ROWS_PER_INSERT) {
        const rows = items.slice(start, start + ROWS_PER_INSERT);
        const column = <T>(of: (row: NewItemRow) => T): T[] => rows.map(of);
        await client.query(INSERT_ITEMS, [
          bankId,
          next + start,
          column((row) => row.id),
          column((row) => row.externalId),
          column((row) => row.stem),
          column((row) => JSON.stringify(row.options.map(({ key, text }) => ({ key, text })))),
          column((row) => row.correctKey),
          column((row) => row.a),
          column((row) => row.b),
          column((row) => row.c ?? 0),
          column((row) => row.d ?? 1),
          column((row) => row.contentArea ?? null),
        ]);
      }
      const { rows: [bank] } = await client.query<{ version: number }>(
        'UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING version',
        [bankId],
      );
      return { outcome: 'inserted', bankVersion: bank.version };
    });
  }

  /** Keyset pagination in ordinal order (the unique (bank, ordinal) index serves it). */
  listItems(bankId: string, afterOrdinal: number, limit: number): Promise<Item[]> {
    return this.prisma.item.findMany({ where: { bankId, ordinal: { gt: afterOrdinal } }, orderBy: { ordinal: 'asc' }, take: limit });
  }

  /**
   * Updates one item and bumps its bank's version, in one transaction under the bank's row lock (the same lock
   * as imports). `check` sees the current row and may throw to refuse the change. Null when there is no such item.
   */
  async updateItem(itemId: string, patch: ItemPatch, check: (current: Item) => void): Promise<Item | null> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.item.findUnique({ where: { id: itemId } });
      if (!current) return null;
      await tx.$queryRaw`SELECT 1 FROM item_bank WHERE id = ${current.bankId}::uuid FOR UPDATE`;
      check(current);
      const item = await tx.item.update({
        where: { id: itemId },
        data: { ...patch, options: patch.options?.map(({ key, text }) => ({ key, text })) },
      });
      await this.bumpVersion(tx, current.bankId);
      return item;
    });
  }

  /** The bank's version and every item in one statement, so a snapshot matches the version it is filed under. */
  loadSnapshotRows(bankId: string): Promise<SnapshotRow[]> {
    return this.prisma.$queryRaw<SnapshotRow[]>`
      SELECT b.version, i.id, i.ordinal, i.stem, i.options, i.correct_key AS "correctKey",
             i.a, i.b, i.c, i.d, i.content_area AS "contentArea", i.enabled
        FROM item_bank b LEFT JOIN item i ON i.bank_id = b.id
       WHERE b.id = ${bankId}::uuid
       ORDER BY i.ordinal`;
  }

  private async bumpVersion(tx: Pick<PrismaService, '$queryRaw'>, bankId: string): Promise<number> {
    const [bank] = await tx.$queryRaw<{ version: number }[]>`
      UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = ${bankId}::uuid RETURNING version`;
    return bank.version;
  }
}
