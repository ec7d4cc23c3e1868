import { Injectable } from '@nestjs/common';
import { BoundedCache } from '../common/bounded-cache.js';
import { AppConfig } from '../config/app-config.service.js';
import { createBankSnapshot, type BankItemInput, type ItemBankSnapshot } from '../irt/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CandidateItemView } from './dto/item-bank.views.js';
import { ItemBanksRepository, type SnapshotRow } from './item-banks.repository.js';

/**
 * One version of a bank, in process memory: the engine's columns, the keys scoring needs, and the content a
 * candidate sees. Everything here is immutable for the version, so it is never re-read while the version holds.
 */
export interface BankSnapshot {
  bankId: string;
  version: number;
  engine: ItemBankSnapshot;
  ordinalOf: ReadonlyMap<string, number>;
  correctKeys: readonly string[];
  optionKeys: readonly (readonly string[])[];
  /** Per ordinal, what a candidate may see (null for a gap, which is never selectable). */
  content: readonly (CandidateItemView | null)[];
  /** Approximate bytes held (typed arrays, strings, maps). */
  bytes: number;
}

export interface BankSnapshotStats {
  banks: number;
  items: number;
  bytes: number;
  /** Snapshot builds since start-up (first use of a bank, or a new version). */
  loads: number;
  avgLoadMs: number;
}

/** How long a bank's version number is trusted before asking Postgres again. */
export const VERSION_CHECK_MS = 1_000;

/** Per-item overhead of the content objects and map entries, on top of the characters themselves. */
const ITEM_OVERHEAD_BYTES = 200;

/** Version numbers of at most this many banks are remembered (a few dozen bytes each). */
const KNOWN_VERSIONS = 100_000;

/**
 * In-process bank snapshots keyed by (bank, version), within BANK_CACHE_MAX_MB: past it, the least recently used
 * banks are dropped (and reloaded when next used). A request costs at most one tiny version lookup per second
 * per bank, never an item read; a version bump (import, PATCH) reloads the snapshot, on this instance at once and
 * on the others within VERSION_CHECK_MS. Concurrent requests share one version check and one load.
 */
@Injectable()
export class BankSnapshots {
  private readonly banks: BoundedCache<string, BankSnapshot>;
  private readonly versions = new BoundedCache<string, { version: number | null; checkedAt: number }>({ maxEntries: KNOWN_VERSIONS });
  private readonly checking = new Map<string, Promise<number | null>>();
  private readonly loading = new Map<string, Promise<BankSnapshot | null>>();
  private loads = 0;
  private loadMs = 0;

  constructor(
    private readonly repository: ItemBanksRepository,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    const maxBytes = config.get('BANK_CACHE_MAX_MB') * 1024 * 1024;
    this.banks = new BoundedCache({ maxEntries: Number.MAX_SAFE_INTEGER, maxBytes, sizeOf: (bank) => bank.bytes });
    metrics.setBankSnapshotSource(() => this.stats());
  }

  /** Forget what this instance knows about a bank's version (after it changed here). */
  invalidate(bankId: string): void {
    this.versions.delete(bankId);
  }

  /** The current snapshot of a bank, null when the bank does not exist. */
  async get(bankId: string): Promise<BankSnapshot | null> {
    const version = await this.currentVersion(bankId);
    if (version === null) return null;
    const cached = this.banks.get(bankId);
    if (cached && cached.version >= version) return cached;
    return this.singleFlight(this.loading, bankId, () => this.load(bankId));
  }

  stats(): BankSnapshotStats {
    let items = 0;
    let bytes = 0;
    for (const bank of this.banks.values()) {
      items += bank.engine.size;
      bytes += bank.bytes;
    }
    return { banks: this.banks.size, items, bytes, loads: this.loads, avgLoadMs: this.loads === 0 ? 0 : this.loadMs / this.loads };
  }

  private currentVersion(bankId: string): number | null | Promise<number | null> {
    const known = this.versions.get(bankId);
    if (known && Date.now() - known.checkedAt < VERSION_CHECK_MS) return known.version;
    return this.singleFlight(this.checking, bankId, async () => {
      const version = await this.repository.bankVersion(bankId);
      this.versions.set(bankId, { version, checkedAt: Date.now() });
      return version;
    });
  }

  private async load(bankId: string): Promise<BankSnapshot | null> {
    const started = performance.now();
    const rows = await this.repository.loadSnapshotRows(bankId);
    if (rows.length === 0) return null;
    const loaded = buildSnapshot(bankId, rows);
    const elapsedMs = performance.now() - started;
    this.loads++;
    this.loadMs += elapsedMs;
    this.metrics.bankSnapshotLoaded(elapsedMs / 1000);
    const current = this.banks.peek(bankId);
    if (!current || current.version <= loaded.version) this.banks.set(bankId, loaded);
    this.versions.set(bankId, { version: loaded.version, checkedAt: Date.now() });
    return loaded;
  }

  private singleFlight<T>(pending: Map<string, Promise<T>>, key: string, work: () => Promise<T>): Promise<T> {
    let promise = pending.get(key);
    if (!promise) {
      promise = work().finally(() => pending.delete(key));
      pending.set(key, promise);
    }
    return promise;
  }
}

function buildSnapshot(bankId: string, rows: SnapshotRow[]): BankSnapshot {
  const items = rows.filter((row): row is SnapshotRow & { id: string; ordinal: number; stem: string; options: CandidateItemView['options']; correctKey: string } => row.id !== null);
  const size = items.length === 0 ? 0 : items[items.length - 1].ordinal + 1;
  // Ordinals are dense by construction; a gap (should one ever appear) becomes a disabled placeholder.
  const inputs: BankItemInput[] = Array.from({ length: size }, () => ({ a: 1, b: 0, enabled: false }));
  const correctKeys = new Array<string>(size).fill('');
  const optionKeys: string[][] = Array.from({ length: size }, () => []);
  const content = new Array<CandidateItemView | null>(size).fill(null);
  const ordinalOf = new Map<string, number>();
  let characters = 0;
  for (const item of items) {
    inputs[item.ordinal] = { a: item.a, b: item.b, c: item.c, d: item.d, area: item.contentArea, enabled: item.enabled };
    correctKeys[item.ordinal] = item.correctKey;
    optionKeys[item.ordinal] = item.options.map((option) => option.key);
    content[item.ordinal] = { id: item.id, stem: item.stem, options: item.options.map(({ key, text }) => ({ key, text })) };
    ordinalOf.set(item.id, item.ordinal);
    characters += item.stem.length + item.correctKey.length + (item.contentArea?.length ?? 0);
    for (const option of item.options) characters += 2 * option.key.length + option.text.length;
  }
  const engine = createBankSnapshot(inputs);
  return {
    bankId,
    version: rows[0].version,
    engine,
    ordinalOf,
    correctKeys,
    optionKeys,
    content,
    bytes: engine.byteLength + 2 * characters + ITEM_OVERHEAD_BYTES * size,
  };
}
