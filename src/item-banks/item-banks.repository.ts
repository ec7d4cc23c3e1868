import { Injectable } from '@nestjs/common';
import { type Item, Prisma } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service.js';
import type { ItemModel } from '../irt/index.js';
import type { OptionDto } from './dto/item-bank.dto.js';
import type { ReportingScale } from './reporting-scale.js';
import type { BankRow, InsertItemsResult, ItemPatch, ItemVersionRow, NewItemRow, PinnedItemRow, SnapshotRow } from './item-banks.types.js';

export type * from './item-banks.types.js';

/** The fields an item version holds: changing any of them makes a new version (exams keep theirs). */
export const VERSIONED_FIELDS = ['stem', 'options', 'correctKey', 'model', 'thresholds', 'a', 'b', 'c', 'd'] as const;

/** An item's options as stored: key and text, and a polytomous item's scores. */
export const storedOptions = (options: readonly OptionDto[]) =>
  options.map(({ key, text, score }) => (score === undefined ? { key, text } : { key, text, score }));

/** A polytomous item's b column: the mean of its thresholds (a location for listings; the engine ignores it). */
const locationOf = (row: Pick<NewItemRow, 'b' | 'thresholds'>) =>
  row.thresholds?.length ? row.thresholds.reduce((sum, t) => sum + t, 0) / row.thresholds.length : row.b!;

/** A float8[] literal, exact (JavaScript prints the shortest text that reads back as the same double). */
const arrayLiteral = (values: readonly number[] | null | undefined) => (values?.length ? `{${values.join(',')}}` : null);

const BANK_COLUMNS = { id: true, name: true, version: true, reportingScale: true, _count: { select: { items: true } } } as const;

function toBankRow(bank: { id: string; name: string; version: number; reportingScale: unknown; _count: { items: number } }): BankRow {
  return { id: bank.id, name: bank.name, version: bank.version, itemCount: bank._count.items, reportingScale: bank.reportingScale as ReportingScale | null };
}

/** Rows per INSERT of an import: each statement's parameters are built (synchronously) in a few milliseconds. */
const ROWS_PER_INSERT = 250;

/**
 * One chunk of an import: $2 is the first chunk row's ordinal; the rest are one array per column (pg sends doubles
 * as their shortest round-trip text, so parameters arrive bit for bit).
 */
const INSERT_ITEMS = `
  INSERT INTO item (id, bank_id, ordinal, external_id, stem, options, correct_key, a, b, c, d, content_area, model, thresholds, enemy_group,
                    pretest, enabled, created_at, updated_at)
  SELECT u.id, $1::uuid, $2::int + (u.n - 1)::int, u.ext, u.stem, u.opts::jsonb, u.ck, u.a, u.b, u.c, u.d, u.area, u.model, u.thr::float8[],
         u.enemy, u.pretest, true, now(), now()
    FROM unnest($3::uuid[], $4::varchar[], $5::text[], $6::text[], $7::varchar[], $8::float8[], $9::float8[], $10::float8[], $11::float8[],
                $12::varchar[], $13::varchar[], $14::text[], $15::varchar[], $16::boolean[])
         WITH ORDINALITY AS u(id, ext, stem, opts, ck, a, b, c, d, area, model, thr, enemy, pretest, n)`;

/** Postgres side of banks and items. Every change to a bank's items bumps its version in the same transaction. */
@Injectable()
export class ItemBanksRepository {
  constructor(private readonly prisma: PrismaService) {}

  async createBank(name: string, reportingScale: ReportingScale | null) {
    const bank = await this.prisma.itemBank.create({
      data: { name, reportingScale: (reportingScale as unknown as Prisma.InputJsonObject | null) ?? Prisma.DbNull },
      select: { id: true, name: true, version: true, reportingScale: true, createdAt: true },
    });
    return { ...bank, reportingScale: bank.reportingScale as ReportingScale | null };
  }

  async findBank(bankId: string): Promise<BankRow | null> {
    const bank = await this.prisma.itemBank.findUnique({ where: { id: bankId }, select: BANK_COLUMNS });
    return bank && toBankRow(bank);
  }

  /** Renames a bank or sets its reporting scale, bumping its version (snapshots carry the scale); null: no such bank. */
  async updateBank(bankId: string, change: { name?: string; reportingScale?: ReportingScale | null }): Promise<BankRow | null> {
    const { name, reportingScale } = change;
    const data = {
      ...(name === undefined ? {} : { name }),
      ...(reportingScale === undefined ? {} : { reportingScale: (reportingScale as unknown as Prisma.InputJsonObject | null) ?? Prisma.DbNull }),
      version: { increment: 1 },
    };
    const updated = await this.prisma.itemBank.updateMany({ where: { id: bankId }, data });
    return updated.count === 0 ? null : this.findBank(bankId);
  }

  /** Banks in id order after `afterId` (keyset pagination on the primary key), only `onlyIds` when given. */
  async listBanks(afterId: string | null, limit: number, onlyIds: readonly string[] | null): Promise<BankRow[]> {
    const where = { AND: [afterId === null ? {} : { id: { gt: afterId } }, onlyIds === null ? {} : { id: { in: [...onlyIds] } }] };
    const banks = await this.prisma.itemBank.findMany({ where, orderBy: { id: 'asc' }, take: limit, select: BANK_COLUMNS });
    return banks.map(toBankRow);
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
          column((row) => JSON.stringify(storedOptions(row.options))),
          column((row) => row.correctKey ?? null),
          column((row) => row.a ?? 1),
          column((row) => locationOf(row)),
          column((row) => row.c ?? 0),
          column((row) => row.d ?? 1),
          column((row) => row.contentArea ?? null),
          column((row) => row.model ?? '4PL'),
          column((row) => arrayLiteral(row.thresholds)),
          column((row) => row.enemyGroup ?? null),
          column((row) => row.pretest ?? false),
        ]);
      }
      const { rows: [bank] } = await client.query<{ version: number }>(
        'UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING version',
        [bankId],
      );
      // Each new item's version 1, introduced by this bank version.
      await client.query(
        `INSERT INTO item_version (item_id, version, bank_id, bank_version, stem, options, correct_key, model, thresholds, a, b, c, d, created_at)
         SELECT id, 1, bank_id, $2::int, stem, options, correct_key, model, thresholds, a, b, c, d, created_at
           FROM item WHERE bank_id = $1 AND ordinal >= $3::int`,
        [bankId, bank.version, next],
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
   * as imports). A change to a versioned field (`VERSIONED_FIELDS`) also records the item's next version, introduced
   * by the new bank version: exams that started before keep the one they had. `check` sees the current row and may
   * throw to refuse the change. Null when there is no such item.
   */
  async updateItem(itemId: string, patch: ItemPatch, check: (current: Item) => void): Promise<Item | null> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.item.findUnique({ where: { id: itemId } });
      if (!current) return null;
      await tx.$queryRaw`SELECT 1 FROM item_bank WHERE id = ${current.bankId}::uuid FOR UPDATE`;
      check(current);
      const options = patch.options && storedOptions(patch.options);
      const newVersion = VERSIONED_FIELDS.some((field) => patch[field] !== undefined && !sameValue(field === 'options' ? options : patch[field], current[field]));
      const bankVersion = await this.bumpVersion(tx, current.bankId);
      const { thresholds, ...fields } = patch;
      const b = thresholds?.length ? locationOf({ thresholds }) : patch.b;
      // Written as an exact literal: the driver adapter sends float8[] elements with fewer digits than a double needs.
      if (thresholds !== undefined || patch.model === '4PL') {
        await tx.$executeRaw`UPDATE item SET thresholds = ${arrayLiteral(patch.model === '4PL' ? null : thresholds)}::float8[] WHERE id = ${itemId}::uuid`;
      }
      const item = await tx.item.update({
        where: { id: itemId },
        data: {
          ...fields,
          options,
          b,
          // A polytomous item has no asymptotes: the columns hold their neutral values.
          ...(patch.model !== undefined && patch.model !== '4PL' ? { c: 0, d: 1 } : {}),
          ...(newVersion ? { version: { increment: 1 } } : {}),
        },
      });
      if (newVersion) {
        await tx.$executeRaw`
          INSERT INTO item_version (item_id, version, bank_id, bank_version, stem, options, correct_key, model, thresholds, a, b, c, d)
          SELECT id, version, bank_id, ${bankVersion}::int, stem, options, correct_key, model, thresholds, a, b, c, d FROM item WHERE id = ${itemId}::uuid`;
      }
      return item;
    });
  }

  /** Every version of an item, oldest first; null when there is no such item. */
  async itemVersions(itemId: string): Promise<{ bankId: string; versions: ItemVersionRow[] } | null> {
    const item = await this.prisma.item.findUnique({
      where: { id: itemId },
      select: {
        bankId: true,
        versions: {
          orderBy: { version: 'asc' },
          select: { version: true, bankVersion: true, stem: true, options: true, correctKey: true, model: true, thresholds: true, a: true, b: true, c: true, d: true, createdAt: true },
        },
      },
    });
    return item && { bankId: item.bankId, versions: item.versions.map((version) => ({ ...version, model: version.model as ItemModel, options: version.options as unknown as OptionDto[] })) };
  }

  /** The bank's version and every item in one statement, so a snapshot matches the version it is filed under. */
  loadSnapshotRows(bankId: string): Promise<SnapshotRow[]> {
    return this.prisma.$queryRaw<SnapshotRow[]>`
      SELECT b.version, b.reporting_scale AS "reportingScale", i.id, i.ordinal, i.stem, i.options, i.correct_key AS "correctKey",
             i.model, i.thresholds, i.a, i.b, i.c, i.d, i.content_area AS "contentArea", i.enemy_group AS "enemyGroup", i.pretest, i.enabled, i.version AS "itemVersion", i.exposure_k AS "exposureK"
        FROM item_bank b LEFT JOIN item i ON i.bank_id = b.id
       WHERE b.id = ${bankId}::uuid
       ORDER BY i.ordinal`;
  }

  /**
   * For an exam pinned to `bankVersion`: each item that has a version introduced after it, as it was at that bank
   * version (its latest version introduced at or before it). Items new since then are not among them: they keep their current version.
   */
  loadPinnedRows(bankId: string, bankVersion: number): Promise<PinnedItemRow[]> {
    return this.prisma.$queryRaw<PinnedItemRow[]>`
      SELECT DISTINCT ON (v.item_id) i.ordinal, v.version, v.stem, v.options, v.correct_key AS "correctKey", v.model, v.thresholds,
             v.a, v.b, v.c, v.d
        FROM item_version v JOIN item i ON i.id = v.item_id
       WHERE v.bank_id = ${bankId}::uuid AND v.bank_version <= ${bankVersion}::int
         AND v.item_id IN (SELECT item_id FROM item_version WHERE bank_id = ${bankId}::uuid AND bank_version > ${bankVersion}::int)
       ORDER BY v.item_id, v.version DESC`;
  }

  private async bumpVersion(tx: Pick<PrismaService, '$queryRaw'>, bankId: string): Promise<number> {
    const [bank] = await tx.$queryRaw<{ version: number }[]>`
      UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = ${bankId}::uuid RETURNING version`;
    return bank.version;
  }
}

/** Equality of a patched value and the stored one (options compared as JSON: key and text, in order). */
function sameValue(patched: unknown, stored: unknown): boolean {
  return typeof patched === 'object' ? JSON.stringify(patched) === JSON.stringify(stored) : patched === stored;
}
