import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';
import { createBankSnapshot, type BankItemInput, type ItemBankSnapshot } from '../irt/index.js';

/** A bank as the exam path needs it, in process memory: engine columns plus ordinal ↔ id and keys. */
export interface LoadedBank {
  bankId: string;
  version: number;
  engine: ItemBankSnapshot;
  /** Item id per ordinal ('' for a gap, which is never selectable). */
  ids: string[];
  ordinalOf: Map<string, number>;
  correctKeys: string[];
  optionKeys: string[][];
}

interface ItemRow {
  version: number;
  id: string | null;
  ordinal: number | null;
  a: number;
  b: number;
  c: number;
  d: number;
  contentArea: string | null;
  enabled: boolean;
  correctKey: string;
  optionKeys: string[];
}

/** How long a bank's version number is trusted before asking Postgres again. */
const VERSION_CHECK_MS = 1_000;

/**
 * In-process bank snapshots keyed by (bank, version). An answer costs at most one tiny version lookup per
 * second per bank, never an item scan; a version bump (import, PATCH) reloads the snapshot, on this
 * instance at once and on the others within VERSION_CHECK_MS.
 */
@Injectable()
export class BankSnapshotCache {
  private readonly banks = new Map<string, LoadedBank>();
  private readonly versions = new Map<string, { version: number; checkedAt: number }>();
  private readonly loading = new Map<string, Promise<LoadedBank | null>>();

  constructor(private readonly prisma: PrismaService) {}

  /** Forget what this instance knows about a bank (after it changed here). */
  invalidate(bankId: string): void {
    this.versions.delete(bankId);
  }

  /** The current snapshot of a bank, null when the bank does not exist. */
  async get(bankId: string): Promise<LoadedBank | null> {
    const version = await this.currentVersion(bankId);
    if (version === null) return null;
    const cached = this.banks.get(bankId);
    if (cached && cached.version >= version) return cached;
    let pending = this.loading.get(bankId);
    if (!pending) {
      pending = this.load(bankId).finally(() => this.loading.delete(bankId));
      this.loading.set(bankId, pending);
    }
    return pending;
  }

  private async currentVersion(bankId: string): Promise<number | null> {
    const known = this.versions.get(bankId);
    if (known && Date.now() - known.checkedAt < VERSION_CHECK_MS) return known.version;
    const bank = await this.prisma.itemBank.findUnique({ where: { id: bankId }, select: { version: true } });
    if (!bank) {
      this.versions.delete(bankId);
      return null;
    }
    this.versions.set(bankId, { version: bank.version, checkedAt: Date.now() });
    return bank.version;
  }

  /** Bank version and items in one statement, so the snapshot matches the version it is filed under. */
  private async load(bankId: string): Promise<LoadedBank | null> {
    const rows = await this.prisma.$queryRaw<ItemRow[]>`
      SELECT b.version, i.id, i.ordinal, i.a, i.b, i.c, i.d, i.content_area AS "contentArea", i.enabled,
             i.correct_key AS "correctKey",
             ARRAY(SELECT o->>'key' FROM jsonb_array_elements(i.options) o) AS "optionKeys"
        FROM item_bank b LEFT JOIN item i ON i.bank_id = b.id
       WHERE b.id = ${bankId}::uuid
       ORDER BY i.ordinal`;
    if (rows.length === 0) return null;
    const items = rows.filter((row): row is ItemRow & { id: string; ordinal: number } => row.id !== null && row.ordinal !== null);
    const size = items.length === 0 ? 0 : items[items.length - 1].ordinal + 1;
    // Ordinals are dense by construction; a gap (should one ever appear) becomes a disabled placeholder.
    const inputs: BankItemInput[] = Array.from({ length: size }, () => ({ a: 1, b: 0, enabled: false }));
    const ids: string[] = new Array<string>(size).fill('');
    const correctKeys: string[] = new Array<string>(size).fill('');
    const optionKeys: string[][] = Array.from({ length: size }, () => []);
    const ordinalOf = new Map<string, number>();
    for (const item of items) {
      inputs[item.ordinal] = { a: item.a, b: item.b, c: item.c, d: item.d, area: item.contentArea, enabled: item.enabled };
      ids[item.ordinal] = item.id;
      correctKeys[item.ordinal] = item.correctKey;
      optionKeys[item.ordinal] = item.optionKeys;
      ordinalOf.set(item.id, item.ordinal);
    }
    const loaded: LoadedBank = {
      bankId,
      version: rows[0].version,
      engine: createBankSnapshot(inputs),
      ids,
      ordinalOf,
      correctKeys,
      optionKeys,
    };
    const current = this.banks.get(bankId);
    if (!current || current.version <= loaded.version) this.banks.set(bankId, loaded);
    this.versions.set(bankId, { version: loaded.version, checkedAt: Date.now() });
    return loaded;
  }
}
