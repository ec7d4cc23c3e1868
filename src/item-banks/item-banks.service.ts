import { Injectable } from '@nestjs/common';
import type { Item } from '@prisma/client';
import type { ItemModel } from '../irt/index.js';
import { assertBankAllowed, type Caller, clientOf } from '../common/auth/auth.types.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { validationFailed } from '../common/http/validation.js';
import { isUniqueViolation } from '../prisma/database-errors.js';
import { itemCounts, testInformation, thetaGrid } from './bank-information.js';
import { BankSnapshots } from './bank-snapshots.js';
import { DEFAULT_INFORMATION_RANGE, type InformationQuery } from './dto/bank-information.dto.js';
import type { BankInformationView, InformationPointView } from './dto/bank-information.views.js';
import type { CreateBankDto, ListItemsQuery, OptionDto, ReportingScaleDto, UpdateBankDto, UpdateItemDto } from './dto/item-bank.dto.js';
import type { BankPageView, BankView, CreatedBankView, ImportResultView, ItemPageView, ItemVersionView, ItemView } from './dto/item-bank.views.js';
import type { ListBanksQuery } from './dto/list-banks.dto.js';
import { ItemBanksRepository } from './item-banks.repository.js';
import { crossFieldProblems, MAX_REPORTED_PROBLEMS, validImport } from './item-import.js';
import { type ReportingScale, reportingScaleProblems } from './reporting-scale.js';

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_BANK_PAGE_SIZE = 50;

function toItemView(item: Item): ItemView {
  const { id, bankId, externalId, ordinal, stem, correctKey, a, b, c, d, contentArea, enemyGroup, pretest, enabled, version, createdAt, updatedAt } = item;
  const options = item.options as unknown as OptionDto[];
  return { id, bankId, externalId, ordinal, stem, options, correctKey, model: item.model as ItemModel, a, b, c, d, thresholds: item.thresholds?.length ? item.thresholds : null, contentArea, enemyGroup, pretest, enabled, version, createdAt, updatedAt };
}

const bankNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');

/** Information curves kept (at most 401 points each): the bank page asks for the same few again and again. */
const CACHED_CURVES = 128;

@Injectable()
export class ItemBanksService {
  /** By bank, version and grid; the promise itself, so identical requests in flight share one computation. */
  private readonly curves = new BoundedCache<string, Promise<InformationPointView[]>>({ maxEntries: CACHED_CURVES });

  constructor(
    private readonly repository: ItemBanksRepository,
    private readonly snapshots: BankSnapshots,
  ) {}

  async createBank(caller: Caller, dto: CreateBankDto): Promise<CreatedBankView> {
    const client = clientOf(caller);
    // A key limited to some banks could not use the new one: it may not create banks.
    if (client && !client.scopes.includes('admin') && client.bankIds.length > 0) {
      throw new ApiException(ErrorCode.FORBIDDEN, 'A key limited to some item banks cannot create banks');
    }
    const bank = await this.repository.createBank(dto.name, resolveScale(dto.reportingScale));
    return { ...bank, itemCount: 0 };
  }

  /** Renames a bank or sets (null: removes) its reporting scale. */
  async updateBank(caller: Caller, bankId: string, dto: UpdateBankDto): Promise<BankView> {
    assertBankAllowed(caller, bankId);
    const bank = await this.repository.updateBank(bankId, { name: dto.name, reportingScale: dto.reportingScale === null ? null : resolveScale(dto.reportingScale) ?? undefined });
    if (!bank) throw bankNotFound();
    this.snapshots.invalidate(bankId);
    return bank;
  }

  async getBank(caller: Caller, bankId: string): Promise<BankView> {
    assertBankAllowed(caller, bankId);
    const bank = await this.repository.findBank(bankId);
    if (!bank) throw bankNotFound();
    return bank;
  }

  /** The banks the caller may use, in id order (stable while banks are added), a page at a time. */
  async listBanks(caller: Caller, query: ListBanksQuery): Promise<BankPageView> {
    const client = clientOf(caller);
    const onlyIds = client && !client.scopes.includes('admin') && client.bankIds.length > 0 ? client.bankIds : null;
    const limit = query.limit ?? DEFAULT_BANK_PAGE_SIZE;
    const banks = await this.repository.listBanks(query.cursor ?? null, limit + 1, onlyIds);
    const page = banks.slice(0, limit);
    return { banks: page, nextCursor: banks.length > limit ? page[page.length - 1].id : null };
  }

  /** Test information and SE over a θ grid, from the bank's current snapshot (operational items only), with its item counts. */
  async information(caller: Caller, bankId: string, query: InformationQuery): Promise<BankInformationView> {
    assertBankAllowed(caller, bankId);
    const bank = await this.snapshots.get(bankId);
    if (!bank) throw bankNotFound();
    const { from = DEFAULT_INFORMATION_RANGE.from, to = DEFAULT_INFORMATION_RANGE.to, points = DEFAULT_INFORMATION_RANGE.points } = query;
    // The query's own check sees `to` only when it is given: `from` alone may still pass the default `to`.
    if (!(to > from)) throw validationFailed([{ field: 'from', message: `from must be less than to (${to})` }]);
    const counts = itemCounts(bank.engine, (item) => bank.content[item] !== null);
    const key = `${bankId}:${bank.version}:${from}:${to}:${points}`;
    let curve = this.curves.get(key);
    if (!curve) {
      curve = testInformation(bank.engine, thetaGrid(from, to, points));
      this.curves.set(key, curve);
      curve.catch(() => this.curves.delete(key));
    }
    return { bankId, version: bank.version, ...counts, points: await curve };
  }

  /**
   * All or nothing: every item valid and every externalId new to the bank, or nothing is stored. Validated and
   * written in chunks, so a 10,000-item import does not hold up the other requests of this instance.
   */
  async importItems(caller: Caller, bankId: string, body: unknown): Promise<ImportResultView> {
    assertBankAllowed(caller, bankId);
    const rows = await validImport(body);
    const result = await this.repository.insertItems(bankId, rows);
    if (result.outcome === 'no-bank') throw bankNotFound();
    if (result.outcome === 'taken') {
      const details = rows.flatMap(({ externalId }, i) =>
        result.externalIds.has(externalId) ? [{ field: `items.${i}.externalId`, message: `"${externalId}" already exists in this bank` }] : [],
      );
      throw new ApiException(ErrorCode.CONFLICT, `${details.length} externalId(s) already exist in this bank`, details.slice(0, MAX_REPORTED_PROBLEMS));
    }
    this.snapshots.invalidate(bankId);
    return { created: rows.length, bankVersion: result.bankVersion };
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

  /** Every version of an item's parameters and content, oldest first (a response records the one it was scored with). */
  async itemVersions(caller: Caller, itemId: string): Promise<ItemVersionView[]> {
    const item = await this.repository.itemVersions(itemId);
    if (!item) throw new ApiException(ErrorCode.NOT_FOUND, 'Item not found');
    assertBankAllowed(caller, item.bankId);
    return item.versions.map((version) => ({ ...version, thresholds: version.thresholds?.length ? version.thresholds : null }));
  }

  /**
   * Changes one item; its bank's version moves so every instance rebuilds its snapshot. A change of its parameters
   * or content is a new item version: exams already running keep the one they started with.
   */
  async updateItem(caller: Caller, itemId: string, patch: UpdateItemDto): Promise<ItemView> {
    let updated: Item | null;
    try {
      updated = await this.repository.updateItem(itemId, patch, (current) => {
        assertBankAllowed(caller, current.bankId);
        // A change of model takes the new model's fields from the PATCH; the old model's are dropped.
        const model = patch.model ?? (current.model as ItemModel);
        const polytomous = model !== '4PL';
        const problems = crossFieldProblems(
          {
            options: patch.options ?? (current.options as unknown as OptionDto[]),
            correctKey: patch.correctKey !== undefined ? patch.correctKey : current.correctKey,
            model,
            a: patch.a ?? current.a,
            b: patch.b ?? current.b,
            c: patch.c ?? (polytomous ? undefined : current.c),
            d: patch.d ?? (polytomous ? undefined : current.d),
            thresholds: patch.thresholds ?? (polytomous ? current.thresholds : undefined),
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

/** A scale as stored, defaults filled, checked across fields (problems named `reportingScale.<field>`); null for none. */
function resolveScale(dto: ReportingScaleDto | undefined): ReportingScale | null {
  if (!dto) return null;
  const scale: ReportingScale = {
    slope: dto.slope,
    intercept: dto.intercept,
    decimals: dto.decimals ?? 0,
    min: dto.min ?? null,
    max: dto.max ?? null,
    bands: (dto.bands ?? []).map(({ min, label }) => ({ min, label })),
  };
  const problems = reportingScaleProblems(scale);
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ field: `reportingScale.${p.field}`, message: p.message })));
  return scale;
}
