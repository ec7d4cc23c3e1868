import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Item } from '@prisma/client';
import { assertBankAllowed, type Caller, clientOf } from '../common/auth/auth.types.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { type FieldProblem, validationFailed } from '../common/http/validation.js';
import { validateItemParameters } from '../irt/index.js';
import { isUniqueViolation } from '../prisma/database-errors.js';
import { BankSnapshots } from './bank-snapshots.js';
import type { ListItemsQuery, NewItemDto, OptionDto, UpdateItemDto } from './dto/item-bank.dto.js';
import type { BankView, CreatedBankView, ImportResultView, ItemPageView, ItemView } from './dto/item-bank.views.js';
import { ItemBanksRepository } from './item-banks.repository.js';

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

/** Duplicate externalIds within one import. */
function duplicateExternalIds(items: NewItemDto[]): FieldProblem[] {
  const firstIndexOf = new Map<string, number>();
  const problems: FieldProblem[] = [];
  items.forEach((item, i) => {
    if (item.externalId === undefined) return;
    const first = firstIndexOf.get(item.externalId);
    if (first !== undefined) problems.push({ field: `items.${i}.externalId`, message: `duplicates items.${first}.externalId` });
    else firstIndexOf.set(item.externalId, i);
  });
  return problems;
}

function toItemView(item: Item): ItemView {
  const { id, bankId, externalId, ordinal, stem, correctKey, a, b, c, d, contentArea, enabled, createdAt, updatedAt } = item;
  return { id, bankId, externalId, ordinal, stem, options: item.options as unknown as OptionDto[], correctKey, a, b, c, d, contentArea, enabled, createdAt, updatedAt };
}

const bankNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');

@Injectable()
export class ItemBanksService {
  constructor(
    private readonly repository: ItemBanksRepository,
    private readonly snapshots: BankSnapshots,
  ) {}

  async createBank(caller: Caller, name: string): Promise<CreatedBankView> {
    const client = clientOf(caller);
    // A key limited to some banks could not use the new one: it may not create banks.
    if (client && !client.scopes.includes('admin') && client.bankIds.length > 0) {
      throw new ApiException(ErrorCode.FORBIDDEN, 'A key limited to some item banks cannot create banks');
    }
    const bank = await this.repository.createBank(name);
    return { ...bank, itemCount: 0 };
  }

  async getBank(caller: Caller, bankId: string): Promise<BankView> {
    assertBankAllowed(caller, bankId);
    const bank = await this.repository.findBank(bankId);
    if (!bank) throw bankNotFound();
    return bank;
  }

  /** All or nothing: every item valid and every externalId new to the bank, or nothing is stored. */
  async importItems(caller: Caller, bankId: string, items: NewItemDto[]): Promise<ImportResultView> {
    assertBankAllowed(caller, bankId);
    const problems = [...items.flatMap((item, i) => itemProblems(item, `items.${i}.`)), ...duplicateExternalIds(items)];
    if (problems.length > 0) throw validationFailed(problems);

    const ids = items.map(() => randomUUID());
    // An item without an external id gets its own id, which is unique by construction.
    const externalIds = items.map((item, i) => item.externalId ?? ids[i]);
    const result = await this.repository.insertItems(bankId, {
      ids,
      externalIds,
      stems: items.map((item) => item.stem),
      options: items.map((item) => JSON.stringify(item.options.map(({ key, text }) => ({ key, text })))),
      correctKeys: items.map((item) => item.correctKey),
      a: items.map((item) => item.a),
      b: items.map((item) => item.b),
      c: items.map((item) => item.c ?? 0),
      d: items.map((item) => item.d ?? 1),
      areas: items.map((item) => item.contentArea ?? null),
    });
    if (result.outcome === 'no-bank') throw bankNotFound();
    if (result.outcome === 'taken') {
      const details = externalIds.flatMap((id, i) =>
        result.externalIds.has(id) ? [{ field: `items.${i}.externalId`, message: `"${id}" already exists in this bank` }] : [],
      );
      throw new ApiException(ErrorCode.CONFLICT, `${details.length} externalId(s) already exist in this bank`, details);
    }
    this.snapshots.invalidate(bankId);
    return { created: items.length, bankVersion: result.bankVersion };
  }

  async listItems(caller: Caller, bankId: string, query: ListItemsQuery): Promise<ItemPageView> {
    assertBankAllowed(caller, bankId);
    if ((await this.repository.bankVersion(bankId)) === null) throw bankNotFound();
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const items = await this.repository.listItems(bankId, query.cursor === undefined ? -1 : Number(query.cursor), limit + 1);
    const page = items.slice(0, limit);
    const nextCursor = items.length > limit ? String(page[page.length - 1].ordinal) : null;
    return { items: page.map(toItemView), nextCursor };
  }

  /** Changes one item; its bank's version moves so every instance rebuilds its snapshot. */
  async updateItem(caller: Caller, itemId: string, patch: UpdateItemDto): Promise<ItemView> {
    let updated: Item | null;
    try {
      updated = await this.repository.updateItem(itemId, patch, (current) => {
        assertBankAllowed(caller, current.bankId);
        const problems = itemProblems(
          {
            options: patch.options ?? (current.options as unknown as OptionDto[]),
            correctKey: patch.correctKey ?? current.correctKey,
            a: patch.a ?? current.a,
            b: patch.b ?? current.b,
            c: patch.c ?? current.c,
            d: patch.d ?? current.d,
          },
          '',
        );
        if (problems.length > 0) throw validationFailed(problems);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new ApiException(ErrorCode.CONFLICT, 'externalId already exists in this bank', [{ field: 'externalId', message: 'already exists in this bank' }]);
    }
    if (!updated) throw new ApiException(ErrorCode.NOT_FOUND, 'Item not found');
    this.snapshots.invalidate(updated.bankId);
    return toItemView(updated);
  }
}
