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

/** A reply the spec gives when it chooses. */
interface Pending<T> {
  settle: (answer: T | Error) => void;
}

function pending<T>(queue: Pending<T>[]): Promise<T> {
  return new Promise((resolve, reject) => {
    queue.push({ settle: (answer) => (answer instanceof Error ? reject(answer) : resolve(answer)) });
  });
}

/**
 * The repository as far as snapshots use it: the bank's version and its rows, each answered when the spec says so
 * (every lookup and load waits on its own promise).
 */
class VersionSource {
  version = 1;
  readonly lookups: Pending<number | null>[] = [];
  readonly loads: Pending<SnapshotRow[]>[] = [];

  bankVersion(): Promise<number | null> {
    return pending(this.lookups);
  }

  loadSnapshotRows(): Promise<SnapshotRow[]> {
    return pending(this.loads);
  }

  /** Answers the oldest lookup still waiting with the current version (or an error). */
  answer(version: number | Error = this.version): void {
    this.lookups.shift()!.settle(version);
  }

  /** Answers the oldest load still waiting with the bank's rows at `version`. */
  deliver(version = this.version): void {
    this.loads.shift()!.settle([bankRow(version)]);
  }

  /** Answers the oldest lookup with the current version, then the load that it starts. */
  async answerThenDeliver(): Promise<void> {
    this.answer();
    await settled();
    this.deliver();
  }
}

async function settled(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

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
    await source.answerThenDeliver();
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
    const next = versionServed();
    await settled();
    source.deliver();
    expect(await next).toBe(2);
    expect(source.lookups).toHaveLength(0);
  });

  it('should wait for the lookup once the version is VERSION_CHECK_MS old (a bank idle for that long)', async () => {
    await loadedBank(VERSION_CHECK_MS);
    source.version = 3;
    let done = false;
    const request = versionServed().finally(() => (done = true));
    await settled();
    expect(done).toBe(false);
    await source.answerThenDeliver();
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
    await settled();
    source.deliver();
    expect(await after).toBe(4);
  });

  it('should not remember what a lookup that began before invalidate() read', async () => {
    await invalidatedDuringLookup();
    source.answer(1);
    await settled();
    // Version 1, freshly read, would hold for a second: the next request looks the version up instead.
    const after = versionServed();
    expect(source.lookups).toHaveLength(1);
    await source.answerThenDeliver();
    expect(await after).toBe(4);
  });

  it("should not drop another bank's lookup on invalidate()", async () => {
    await loadedBank(VERSION_REFRESH_AHEAD_MS);
    expect(await versionServed()).toBe(1); // and starts the lookup
    source.version = 2;
    snapshots.invalidate('00000000-0000-4000-8000-000000000002');
    source.answer();
    await settled();
    const next = versionServed();
    await settled();
    expect(source.lookups).toHaveLength(0);
    source.deliver();
    expect(await next).toBe(2);
  });

  it('should load again when the load it joined began before the version moved', async () => {
    const first = snapshots.get(BANK);
    source.answer();
    await settled();
    // The first load is still reading version 1 when the bank moves to 2 here.
    source.version = 2;
    snapshots.invalidate(BANK);
    const second = snapshots.get(BANK);
    source.answer();
    await settled();
    expect(source.loads).toHaveLength(1);
    source.deliver(1);
    expect((await first)!.version).toBe(1);
    await settled();
    expect(source.loads).toHaveLength(1);
    source.deliver();
    expect((await second)!.version).toBe(2);
  });

  it('should not take the version back to what a load read while a lookup found a newer one', async () => {
    const first = snapshots.get(BANK);
    source.answer();
    await settled();
    // While the first load (version 1) runs, the version ages and a background lookup reads version 2.
    jest.advanceTimersByTime(VERSION_REFRESH_AHEAD_MS);
    source.version = 2;
    const joined = snapshots.get(BANK);
    source.answer();
    await settled();
    source.deliver(1);
    expect([(await first)!.version, (await joined)!.version]).toEqual([1, 1]);
    // Version 2 holds: the next request loads it without another lookup.
    const next = versionServed();
    await settled();
    expect(source.lookups).toHaveLength(0);
    source.deliver();
    expect(await next).toBe(2);
  });
});
