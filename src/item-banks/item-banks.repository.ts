import { Injectable } from '@nestjs/common';
import type { Item } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service.js';
import type { OptionDto } from './dto/item-bank.dto.js';

/** Columns of an import, one array per column, in item order (one INSERT over unnest()). */
export interface ItemColumns {
  ids: string[];
  externalIds: string[];
  stems: string[];
  /** JSON text of `[{ key, text }]`. */
  options: string[];
  correctKeys: string[];
  a: number[];
  b: number[];
  c: number[];
  d: number[];
  areas: (string | null)[];
}

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

/**
 * A float8 parameter as exact text. Prisma's raw-query serialisation rounds doubles to 16 significant digits;
 * the shortest round-trip string keeps an item parameter bit for bit.
 */
const f8 = (values: number[]): string[] => values.map(String);

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
   * external ids already in the bank are refused, all rows go in with one INSERT over unnest() arrays, and the
   * bank version is bumped.
   */
  async insertItems(bankId: string, items: ItemColumns): Promise<InsertItemsResult> {
    return this.prisma.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<{ version: number }[]>`SELECT version FROM item_bank WHERE id = ${bankId}::uuid FOR UPDATE`;
        if (locked.length === 0) return { outcome: 'no-bank' };
        const taken = await tx.$queryRaw<{ externalId: string }[]>`
          SELECT external_id AS "externalId" FROM item WHERE bank_id = ${bankId}::uuid AND external_id = ANY(${items.externalIds}::varchar[])`;
        if (taken.length > 0) return { outcome: 'taken', externalIds: new Set(taken.map((row) => row.externalId)) };
        const [{ next }] = await tx.$queryRaw<{ next: number }[]>`
          SELECT (COALESCE(MAX(ordinal), -1) + 1)::int AS next FROM item WHERE bank_id = ${bankId}::uuid`;
        await tx.$executeRaw`
          INSERT INTO item (id, bank_id, ordinal, external_id, stem, options, correct_key, a, b, c, d, content_area, enabled, created_at, updated_at)
          SELECT u.id, ${bankId}::uuid, ${next}::int + (u.n - 1)::int, u.ext, u.stem, u.opts::jsonb, u.ck, u.a, u.b, u.c, u.d, u.area, true, now(), now()
            FROM unnest(${items.ids}::uuid[], ${items.externalIds}::varchar[], ${items.stems}::text[], ${items.options}::text[],
                        ${items.correctKeys}::varchar[], ${f8(items.a)}::float8[], ${f8(items.b)}::float8[], ${f8(items.c)}::float8[],
                        ${f8(items.d)}::float8[], ${items.areas}::varchar[])
                 WITH ORDINALITY AS u(id, ext, stem, opts, ck, a, b, c, d, area, n)`;
        return { outcome: 'inserted', bankVersion: await this.bumpVersion(tx, bankId) };
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
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
