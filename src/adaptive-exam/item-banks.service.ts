import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Prisma, type Item } from '@prisma/client';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { type FieldProblem, validationFailed } from '../common/http/validation.js';
import { CacheService } from '../cache/cache.service.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { f8 } from '../sessions/exam-session.repository.js';
import { BankSnapshotCache } from './bank-snapshot.cache.js';
import type { ListItemsQuery, NewItemDto, OptionDto, UpdateItemDto } from './dto/item-bank.dto.js';
import type { BankView, CreatedBankView, ImportResultView, ItemPageView, ItemView } from './dto/views.dto.js';
import { validateItemParameters } from '../irt/index.js';
import { itemContentNamespace } from './item-content.service.js';

const DEFAULT_PAGE_SIZE = 100;

interface ItemRules {
  options: OptionDto[];
  correctKey: string;
  a: number;
  b: number;
  c?: number;
  d?: number;
}

/** Rules that span fields: the IRT parameter ranges, unique option keys, correctKey among them. */
function itemProblems(item: ItemRules, prefix: string): FieldProblem[] {
  const problems = validateItemParameters(item).map((p) => ({ field: `${prefix}${p.field}`, message: p.message }));
  const keys = new Set<string>();
  item.options.forEach((option, k) => {
    if (keys.has(option.key)) problems.push({ field: `${prefix}options.${k}.key`, message: `duplicate option key "${option.key}"` });
    keys.add(option.key);
  });
  if (!keys.has(item.correctKey)) problems.push({ field: `${prefix}correctKey`, message: 'must be one of the option keys' });
  return problems;
}

function toItemView(item: Item): ItemView {
  return {
    id: item.id,
    bankId: item.bankId,
    externalId: item.externalId,
    ordinal: item.ordinal,
    stem: item.stem,
    options: item.options as unknown as OptionDto[],
    correctKey: item.correctKey,
    a: item.a,
    b: item.b,
    c: item.c,
    d: item.d,
    contentArea: item.contentArea,
    enabled: item.enabled,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

@Injectable()
export class ItemBanksService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly snapshots: BankSnapshotCache,
    private readonly cache: CacheService,
  ) {}

  async createBank(name: string): Promise<CreatedBankView> {
    const bank = await this.prisma.itemBank.create({ data: { name }, select: { id: true, name: true, version: true, createdAt: true } });
    return { id: bank.id, name: bank.name, itemCount: 0, version: bank.version, createdAt: bank.createdAt };
  }

  async getBank(bankId: string): Promise<BankView> {
    const bank = await this.prisma.itemBank.findUnique({
      where: { id: bankId },
      select: { id: true, name: true, version: true, _count: { select: { items: true } } },
    });
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    return { id: bank.id, name: bank.name, itemCount: bank._count.items, version: bank.version };
  }

  /**
   * All or nothing, in one transaction: the bank row is locked (ordinals are assigned max + 1 … without
   * races), all rows go in with one INSERT over unnest() arrays, and the bank version is bumped.
   */
  async importItems(bankId: string, items: NewItemDto[]): Promise<ImportResultView> {
    const problems: FieldProblem[] = [];
    const firstIndexOf = new Map<string, number>();
    items.forEach((item, i) => {
      problems.push(...itemProblems(item, `items.${i}.`));
      if (item.externalId !== undefined) {
        const first = firstIndexOf.get(item.externalId);
        if (first !== undefined) problems.push({ field: `items.${i}.externalId`, message: `duplicates items.${first}.externalId` });
        else firstIndexOf.set(item.externalId, i);
      }
    });
    if (problems.length > 0) throw validationFailed(problems);

    const ids = items.map(() => randomUUID());
    // An item without an external id gets its own id, which is unique by construction.
    const externalIds = items.map((item, i) => item.externalId ?? ids[i]);
    const columns = {
      stems: items.map((item) => item.stem),
      options: items.map((item) => JSON.stringify(item.options.map(({ key, text }) => ({ key, text })))),
      correctKeys: items.map((item) => item.correctKey),
      a: items.map((item) => f8(item.a)),
      b: items.map((item) => f8(item.b)),
      c: items.map((item) => f8(item.c ?? 0)),
      d: items.map((item) => f8(item.d ?? 1)),
      areas: items.map((item) => item.contentArea ?? null),
    };

    const bankVersion = await this.prisma.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<{ version: number }[]>`SELECT version FROM item_bank WHERE id = ${bankId}::uuid FOR UPDATE`;
        if (locked.length === 0) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
        const taken = await tx.$queryRaw<{ externalId: string }[]>`
          SELECT external_id AS "externalId" FROM item WHERE bank_id = ${bankId}::uuid AND external_id = ANY(${externalIds}::varchar[])`;
        if (taken.length > 0) {
          const takenIds = new Set(taken.map((row) => row.externalId));
          const details = externalIds.flatMap((id, i) =>
            takenIds.has(id) ? [{ field: `items.${i}.externalId`, message: `"${id}" already exists in this bank` }] : [],
          );
          throw new ApiException(ErrorCode.CONFLICT, `${details.length} externalId(s) already exist in this bank`, details);
        }
        const [{ next }] = await tx.$queryRaw<{ next: number }[]>`
          SELECT (COALESCE(MAX(ordinal), -1) + 1)::int AS next FROM item WHERE bank_id = ${bankId}::uuid`;
        await tx.$executeRaw`
          INSERT INTO item (id, bank_id, ordinal, external_id, stem, options, correct_key, a, b, c, d, content_area, enabled, created_at, updated_at)
          SELECT u.id, ${bankId}::uuid, ${next}::int + (u.n - 1)::int, u.ext, u.stem, u.opts::jsonb, u.ck, u.a, u.b, u.c, u.d, u.area, true, now(), now()
            FROM unnest(${ids}::uuid[], ${externalIds}::varchar[], ${columns.stems}::text[], ${columns.options}::text[],
                        ${columns.correctKeys}::varchar[], ${columns.a}::float8[], ${columns.b}::float8[], ${columns.c}::float8[],
                        ${columns.d}::float8[], ${columns.areas}::varchar[])
                 WITH ORDINALITY AS u(id, ext, stem, opts, ck, a, b, c, d, area, n)`;
        const [bank] = await tx.$queryRaw<{ version: number }[]>`
          UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = ${bankId}::uuid RETURNING version`;
        return bank.version;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
    this.snapshots.invalidate(bankId);
    return { created: items.length, bankVersion };
  }

  /** Keyset pagination in ordinal order (the unique (bank, ordinal) index serves it). */
  async listItems(bankId: string, query: ListItemsQuery): Promise<ItemPageView> {
    const bank = await this.prisma.itemBank.findUnique({ where: { id: bankId }, select: { id: true } });
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor === undefined ? -1 : Number(query.cursor);
    const items = await this.prisma.item.findMany({
      where: { bankId, ordinal: { gt: after } },
      orderBy: { ordinal: 'asc' },
      take: limit + 1,
    });
    const page = items.slice(0, limit);
    const nextCursor = items.length > limit ? String(page[page.length - 1].ordinal) : null;
    return { items: page.map(toItemView), nextCursor };
  }

  /** Updates one item and bumps its bank's version (in one transaction) so every snapshot reloads. */
  async updateItem(itemId: string, patch: UpdateItemDto): Promise<ItemView> {
    const updated = await this.prisma.$transaction(async (tx) => {
      const current = await tx.item.findUnique({ where: { id: itemId } });
      if (!current) throw new ApiException(ErrorCode.NOT_FOUND, 'Item not found');
      // Same lock as the import: bank versions and ordinals change one writer at a time.
      await tx.$queryRaw`SELECT 1 FROM item_bank WHERE id = ${current.bankId}::uuid FOR UPDATE`;
      const merged: ItemRules = {
        options: patch.options ?? (current.options as unknown as OptionDto[]),
        correctKey: patch.correctKey ?? current.correctKey,
        a: patch.a ?? current.a,
        b: patch.b ?? current.b,
        c: patch.c ?? current.c,
        d: patch.d ?? current.d,
      };
      const problems = itemProblems(merged, '');
      if (problems.length > 0) throw validationFailed(problems);
      try {
        const item = await tx.item.update({
          where: { id: itemId },
          data: {
            externalId: patch.externalId,
            stem: patch.stem,
            options: patch.options?.map(({ key, text }) => ({ key, text })),
            correctKey: patch.correctKey,
            a: patch.a,
            b: patch.b,
            c: patch.c,
            d: patch.d,
            contentArea: patch.contentArea,
            enabled: patch.enabled,
          },
        });
        await tx.$executeRaw`UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = ${current.bankId}::uuid`;
        return item;
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ApiException(ErrorCode.CONFLICT, 'externalId already exists in this bank', [
            { field: 'externalId', message: 'already exists in this bank' },
          ]);
        }
        throw error;
      }
    });
    this.snapshots.invalidate(updated.bankId);
    await this.cache.invalidate(itemContentNamespace(updated.bankId));
    return toItemView(updated);
  }
}
