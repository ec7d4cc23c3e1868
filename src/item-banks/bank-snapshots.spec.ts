import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { AppConfig } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BankSnapshots, VERSION_CHECK_MS, VERSION_REFRESH_AHEAD_MS } from './bank-snapshots.js';
import type { ItemBanksRepository } from './item-banks.repository.js';
import type { SnapshotRow } from './item-banks.types.js';

const BANK = '00000000-0000-4000-8000-000000000001';

/** A bank's one snapshot row (a bank with no items): its version is all these specs look at. */
const bankRow = (version: number): SnapshotRow => ({
  version,
  reportingScale: null,
  id: null,
  ordinal: null,
  stem: null,
  options: null,
  correctKey: null,
  contentArea: null,
  enemyGroup: null,
  pretest: false,
  enabled: false,
  itemVersion: 1,
  exposureK: null,
  model: '4PL',
  thresholds: null,
  a: 1,
  b: 0,
  c: 0,
  d: 1,
});

/**
 * The repository as far as snapshots use it: the bank's version, answered when the spec says so (each lookup waits
 * on its own promise), and its rows.
 */
class VersionSource {
  version = 1;
  readonly lookups: { settle: (version: number | Error) => void }[] = [];

  bankVersion(): Promise<number | null> {
    return new Promise((resolve, reject) => {
      this.lookups.push({ settle: (answer) => (answer instanceof Error ? reject(answer) : resolve(answer)) });
    });
  }

  loadSnapshotRows(): Promise<SnapshotRow[]> {
    return Promise.resolve([bankRow(this.version)]);
  }

  /** Answers the oldest lookup still waiting with the current version (or an error). */
  answer(version: number | Error = this.version): void {
    this.lookups.shift()!.settle(version);
  }
}

const settled = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe(BankSnapshots.name, () => {
  let source: VersionSource;
  let snapshots: BankSnapshots;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    source = new VersionSource();
    const config = { get: () => 64 } as unknown as AppConfig;
    snapshots = new BankSnapshots(source as unknown as ItemBanksRepository, new MetricsService(), config);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** The bank after its first use (one lookup in line, then the load), its version then `ageMs` old. */
  async function loadedBank(ageMs: number): Promise<void> {
    const first = snapshots.get(BANK);
    source.answer();
    expect((await first)!.version).toBe(source.version);
    jest.advanceTimersByTime(ageMs);
  }

  const versionServed = async () => (await snapshots.get(BANK))!.version;

  /** Version 4 is saved here while a background lookup, which read version 1, is still under way. */
  async function invalidatedDuringLookup(): Promise<void> {
    await loadedBank(VERSION_REFRESH_AHEAD_MS);
    expect(await versionServed()).toBe(1); // and starts the lookup
    source.version = 4;
    snapshots.invalidate(BANK);
  }

  it('should ask Postgres nothing while the version is younger than the refresh-ahead age', async () => {
    await loadedBank(VERSION_REFRESH_AHEAD_MS - 1);
    expect(await versionServed()).toBe(1);
    expect(source.lookups).toHaveLength(0);
  });

  it('should answer at once with the version it has, and look the next one up in the background, once', async () => {
    await loadedBank(VERSION_REFRESH_AHEAD_MS);
    source.version = 2;
    // Neither request waits for the lookup (still unanswered); only the first starts one.
    expect([await versionServed(), await versionServed()]).toEqual([1, 1]);
    expect(source.lookups).toHaveLength(1);
    source.answer();
    await settled();
    expect(await versionServed()).toBe(2);
    expect(source.lookups).toHaveLength(0);
  });

  it('should wait for the lookup once the version is VERSION_CHECK_MS old (a bank idle for that long)', async () => {
    await loadedBank(VERSION_CHECK_MS);
    source.version = 3;
    let done = false;
    const request = versionServed().finally(() => (done = true));
    await settled();
    expect(done).toBe(false);
    source.answer();
    expect(await request).toBe(3);
  });

  it('should not try again in the background after a failed lookup; the version expires and the next request fails loudly', async () => {
    await loadedBank(VERSION_REFRESH_AHEAD_MS);
    expect(await versionServed()).toBe(1);
    source.answer(new Error('connection refused'));
    await settled();
    expect(await versionServed()).toBe(1);
    expect(source.lookups).toHaveLength(0);
    jest.advanceTimersByTime(VERSION_CHECK_MS);
    const request = versionServed();
    source.answer(new Error('connection refused'));
    await expect(request).rejects.toThrow('connection refused');
  });

  it('should not join a lookup that began before invalidate()', async () => {
    await invalidatedDuringLookup();
    const after = versionServed();
    expect(source.lookups).toHaveLength(2);
    source.answer(1);
    source.answer(4);
    expect(await after).toBe(4);
  });

  it('should not remember what a lookup that began before invalidate() read', async () => {
    await invalidatedDuringLookup();
    source.answer(1);
    await settled();
    // Version 1, freshly read, would hold for a second: the next request looks the version up instead.
    const after = versionServed();
    expect(source.lookups).toHaveLength(1);
    source.answer();
    expect(await after).toBe(4);
  });
});
