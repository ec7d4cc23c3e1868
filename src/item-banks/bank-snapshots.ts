import { Injectable } from '@nestjs/common';
import { BoundedCache } from '../common/bounded-cache.js';
import { AppConfig } from '../config/app-config.service.js';
import { createBankSnapshot, type BankItemInput, type ItemBankSnapshot, type ItemParameterInput } from '../irt/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { OptionDto } from './dto/item-bank.dto.js';
import type { CandidateItemView } from './dto/item-bank.views.js';
import { ItemBanksRepository, type ItemParameterColumns, type PinnedItemRow, type SnapshotRow } from './item-banks.repository.js';
import type { ReportingScale } from './reporting-scale.js';

/**
 * One version of a bank, in process memory: the engine's columns, the keys scoring needs, and the content a
 * candidate sees. Everything here is immutable for the version, so it is never re-read while the version holds.
 */
export interface BankSnapshot {
  bankId: string;
  /** The bank version whose item versions this holds (an exam's pinned version, or the current one). */
  version: number;
  engine: ItemBankSnapshot;
  ordinalOf: ReadonlyMap<string, number>;
  /** Per ordinal, the right option of a 4PL item (null for a polytomous one). */
  correctKeys: readonly (string | null)[];
  /** Per ordinal, a polytomous item's score of each option key (null for a 4PL item). */
  optionScores: readonly (ReadonlyMap<string, number> | null)[];
  optionKeys: readonly (readonly string[])[];
  /** Per ordinal, what a candidate may see (null for a gap, which is never selectable). */
  content: readonly (CandidateItemView | null)[];
  /** Per ordinal, the item version held (what a response records). */
  itemVersions: Int32Array;
  /** How results report θ (the bank's current scale), null: θ only. */
  reportingScale: ReportingScale | null;
  /** Approximate bytes held (typed arrays, strings, maps). */
  bytes: number;
}

/** A bank's version as last read from Postgres; `refreshing`: the next read has been started ahead of expiry. */
interface KnownVersion {
  version: number | null;
  checkedAt: number;
  refreshing: boolean;
}

/** A pinned exam's view of its bank, rebuilt when the bank's current version moves (enabled flags and K are current). */
interface PinnedSnapshot {
  builtOn: number;
  snapshot: BankSnapshot;
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

/**
 * Once a version is this old, the request that finds it still uses it but starts the next check in the background:
 * under steady traffic no request waits for the check (nor queues behind it for a pool connection). Only a bank
 * that was idle for a second pays it in line.
 */
export const VERSION_REFRESH_AHEAD_MS = VERSION_CHECK_MS / 2;

/** Per-item overhead of the content objects and map entries, on top of the characters themselves. */
const ITEM_OVERHEAD_BYTES = 200;

/** Version numbers of at most this many banks are remembered (a few dozen bytes each). */
const KNOWN_VERSIONS = 100_000;

/**
 * In-process bank snapshots keyed by (bank, version), within BANK_CACHE_MAX_MB: past it, the least recently used
 * banks are dropped (and reloaded when next used). An instance looks a bank's version up at most twice a second
 * (one tiny query) and reads no item while the version holds; a version bump (import, PATCH) reloads the snapshot,
 * on this instance at once and on the others within VERSION_CHECK_MS. Concurrent requests share one version check
 * and one load; under steady traffic the check runs ahead of expiry, off every request's path
 * (VERSION_REFRESH_AHEAD_MS).
 */
@Injectable()
export class BankSnapshots {
  private readonly banks: BoundedCache<string, BankSnapshot>;
  private readonly versions = new BoundedCache<string, KnownVersion>({ maxEntries: KNOWN_VERSIONS });
  private readonly checking = new Map<string, Promise<number | null>>();
  private readonly loading = new Map<string, Promise<BankSnapshot | null>>();
  private readonly pinned: BoundedCache<string, PinnedSnapshot>;
  private readonly pinning = new Map<string, Promise<BankSnapshot>>();
  private loads = 0;
  private loadMs = 0;

  constructor(
    private readonly repository: ItemBanksRepository,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    const maxBytes = config.get('BANK_CACHE_MAX_MB') * 1024 * 1024;
    this.banks = new BoundedCache({ maxEntries: Number.MAX_SAFE_INTEGER, maxBytes, sizeOf: (bank) => bank.bytes });
    // A pinned view shares its current snapshot's strings and content except for the items changed since.
    this.pinned = new BoundedCache({ maxEntries: Number.MAX_SAFE_INTEGER, maxBytes: maxBytes / 4, sizeOf: (pin) => pin.snapshot.bytes });
    metrics.setBankSnapshotSource(() => this.stats());
  }

  /**
   * Forget what this instance knows about a bank's version (after it changed here). A lookup already under way may
   * have read the old version: the next request does not join it, and what it read is not remembered. (A load under
   * way is left to finish: `get` loads again when what it brings is older than the version it was asked for.)
   */
  invalidate(bankId: string): void {
    this.versions.delete(bankId);
    this.checking.delete(bankId);
  }

  /** The current snapshot of a bank, null when the bank does not exist. */
  async get(bankId: string): Promise<BankSnapshot | null> {
    const version = await this.currentVersion(bankId);
    if (version === null) return null;
    const cached = this.banks.get(bankId);
    if (cached && cached.version >= version) return cached;
    const loaded = await this.singleFlight(this.loading, bankId, () => this.load(bankId));
    // A load begun before the version moved (an edit here or elsewhere) brought the old rows: one more, shared.
    if (loaded && loaded.version < version) return this.singleFlight(this.loading, bankId, () => this.load(bankId));
    return loaded;
  }

  /**
   * The bank as an exam that started on `bankVersion` sees it: the item versions current then (parameters, content,
   * key), with today's enabled flags and Sympson–Hetter K. The current snapshot itself when nothing versioned changed
   * since. Null when the bank does not exist.
   */
  async forExam(bankId: string, bankVersion: number): Promise<BankSnapshot | null> {
    const current = await this.get(bankId);
    if (!current || current.version <= bankVersion) return current;
    const key = `${bankId}@${bankVersion}`;
    const known = this.pinned.get(key);
    if (known && known.builtOn === current.version) return known.snapshot;
    return this.singleFlight(this.pinning, `${key}/${current.version}`, async () => {
      const rows = await this.repository.loadPinnedRows(bankId, bankVersion);
      const snapshot = rows.length === 0 ? current : pinSnapshot(current, bankVersion, rows);
      this.pinned.set(key, { builtOn: current.version, snapshot });
      return snapshot;
    });
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
    const age = known ? Date.now() - known.checkedAt : Number.POSITIVE_INFINITY;
    if (!known || age >= VERSION_CHECK_MS) return this.checkVersion(bankId);
    if (age >= VERSION_REFRESH_AHEAD_MS && !known.refreshing) {
      // One try per reading: should it fail, the version expires and the next request checks in line (and fails loudly).
      known.refreshing = true;
      this.checkVersion(bankId).catch(() => undefined);
    }
    return known.version;
  }

  private checkVersion(bankId: string): Promise<number | null> {
    return this.singleFlight(this.checking, bankId, async (stillCurrent) => {
      const version = await this.repository.bankVersion(bankId);
      if (stillCurrent()) this.versions.set(bankId, { version, checkedAt: Date.now(), refreshing: false });
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
    return loaded;
  }

  /**
   * One `work` per key at a time; callers meanwhile share it. `stillCurrent` (to be called after the work's first
   * await) tells it whether it is still the one later callers would join, i.e. invalidate() has not dropped it.
   */
  private singleFlight<T>(pending: Map<string, Promise<T>>, key: string, work: (stillCurrent: () => boolean) => Promise<T>): Promise<T> {
    const running = pending.get(key);
    if (running) return running;
    const started: Promise<T> = work(() => pending.get(key) === started).finally(() => {
      if (pending.get(key) === started) pending.delete(key);
    });
    pending.set(key, started);
    return started;
  }
}

/** An item's parameters as the engine takes them, from a row of either table (b is the engine's only for 4PL). */
function parametersOf(row: ItemParameterColumns): ItemParameterInput {
  if (row.model === '4PL') return { a: row.a, b: row.b, c: row.c, d: row.d };
  return { model: row.model, a: row.a, thresholds: row.thresholds ?? [] };
}

/** What scoring needs of one item: its right option (4PL) or each option's score (polytomous). */
function scoringOf(row: Pick<PinnedItemRow, 'correctKey' | 'options'>): { correctKey: string | null; optionScores: ReadonlyMap<string, number> | null } {
  if (row.correctKey !== null) return { correctKey: row.correctKey, optionScores: null };
  return { correctKey: null, optionScores: new Map(row.options.map((option) => [option.key, option.score ?? 0])) };
}

function buildSnapshot(bankId: string, rows: SnapshotRow[]): BankSnapshot {
  const items = rows.filter((row): row is SnapshotRow & { id: string; ordinal: number; stem: string; options: OptionDto[] } => row.id !== null);
  const size = items.length === 0 ? 0 : items[items.length - 1].ordinal + 1;
  // Ordinals are dense by construction; a gap (should one ever appear) becomes a disabled placeholder.
  const inputs: BankItemInput[] = Array.from({ length: size }, () => ({ a: 1, b: 0, enabled: false }));
  const correctKeys = new Array<string | null>(size).fill(null);
  const optionScores = new Array<ReadonlyMap<string, number> | null>(size).fill(null);
  const itemVersions = new Int32Array(size);
  const optionKeys: string[][] = Array.from({ length: size }, () => []);
  const content = new Array<CandidateItemView | null>(size).fill(null);
  const ordinalOf = new Map<string, number>();
  let characters = 0;
  for (const item of items) {
    inputs[item.ordinal] = {
      ...parametersOf(item),
      area: item.contentArea,
      enemyGroup: item.enemyGroup,
      pretest: item.pretest,
      enabled: item.enabled,
      exposureControl: item.exposureK ?? undefined,
    };
    itemVersions[item.ordinal] = item.itemVersion;
    ({ correctKey: correctKeys[item.ordinal], optionScores: optionScores[item.ordinal] } = scoringOf(item));
    optionKeys[item.ordinal] = item.options.map((option) => option.key);
    content[item.ordinal] = { id: item.id, stem: item.stem, options: item.options.map(({ key, text }) => ({ key, text })) };
    ordinalOf.set(item.id, item.ordinal);
    characters += item.stem.length + (item.correctKey?.length ?? 0) + (item.contentArea?.length ?? 0);
    for (const option of item.options) characters += 2 * option.key.length + option.text.length;
  }
  const engine = createBankSnapshot(inputs);
  return {
    bankId,
    version: rows[0].version,
    engine,
    ordinalOf,
    correctKeys,
    optionScores,
    optionKeys,
    content,
    itemVersions,
    reportingScale: rows[0].reportingScale,
    bytes: engine.byteLength + itemVersions.byteLength + 2 * characters + ITEM_OVERHEAD_BYTES * size,
  };
}

/** `current` with the changed items put back as they were at `bankVersion` (copies of the columns they touch). */
function pinSnapshot(current: BankSnapshot, bankVersion: number, rows: readonly PinnedItemRow[]): BankSnapshot {
  const { engine } = current;
  const correctKeys = current.correctKeys.slice();
  const optionScores = current.optionScores.slice();
  const optionKeys = current.optionKeys.slice();
  const content = current.content.slice();
  const itemVersions = current.itemVersions.slice();
  let characters = 0;
  for (const row of rows) {
    const { ordinal } = row;
    ({ correctKey: correctKeys[ordinal], optionScores: optionScores[ordinal] } = scoringOf(row));
    optionKeys[ordinal] = row.options.map((option) => option.key);
    content[ordinal] = { id: current.content[ordinal]!.id, stem: row.stem, options: row.options.map(({ key, text }) => ({ key, text })) };
    itemVersions[ordinal] = row.version;
    characters += row.stem.length + (row.correctKey?.length ?? 0);
    for (const option of row.options) characters += 2 * option.key.length + option.text.length;
  }
  const pinnedEngine = engine.withItemParameters(rows.map((row) => [row.ordinal, parametersOf(row)] as const));
  const bytes = pinnedEngine.byteLength + itemVersions.byteLength + 8 * 4 * engine.size + 2 * characters + ITEM_OVERHEAD_BYTES * rows.length;
  return { ...current, version: bankVersion, engine: pinnedEngine, correctKeys, optionScores, optionKeys, content, itemVersions, bytes };
}
