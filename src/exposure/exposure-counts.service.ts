import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service.js';
import { eligibilityProbabilities, markEligible } from '../irt/index.js';
import { type BankTotals, type CountDeltas, ExposureRepository } from './exposure.repository.js';

/** A bank nobody examined for this long is no longer followed (its counts are read again when it is next used). */
const FOLLOW_MS = 10 * 60_000;

/** What this instance knows of one bank's exposure: the fleet's totals as last read, plus its own counts since. */
class BankExposure {
  exams = 0;
  administrations = new Float64Array(0);
  eligible = new Float64Array(0);
  /** Counted here and not yet added to Postgres. */
  pendingExams = 0;
  pendingAdministrations = new Float64Array(0);
  pendingEligible = new Float64Array(0);
  hasPending = false;
  usedAt = Date.now();
  /** Eligibility probabilities for one maxExposure, recomputed when a count changed. */
  probabilities: { maxExposure: number; values: Float64Array; stale: boolean } | null = null;

  /** Grows every column to `size` items (a bank grows by imports; ordinals are stable). */
  fit(size: number): void {
    if (this.administrations.length >= size) return;
    const grow = (column: Float64Array) => {
      const grown = new Float64Array(size);
      grown.set(column);
      return grown;
    };
    this.administrations = grow(this.administrations);
    this.eligible = grow(this.eligible);
    this.pendingAdministrations = grow(this.pendingAdministrations);
    this.pendingEligible = grow(this.pendingEligible);
  }

  changed(): void {
    this.hasPending = true;
    this.usedAt = Date.now();
    if (this.probabilities) this.probabilities.stale = true;
  }
}

/**
 * Exposure counts across the fleet, off the answer path: an exam start or an administered item is counted in
 * process (no I/O), and every EXPOSURE_SYNC_MS (a second by default) each instance adds its counts to Postgres in one transaction and reads
 * the totals of the banks it serves back, so every instance sees the fleet's rates within about two periods. An
 * instance that dies loses at most its last period of counts (a bounded error in a rate, never an answer); counts
 * that Postgres refuses (an outage) are kept and added on a later pass.
 */
@Injectable()
export class ExposureCounts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExposureCounts.name);
  private readonly banks = new Map<string, BankExposure>();
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private stopped = false;
  private readonly syncMs: number;

  constructor(
    private readonly repository: ExposureRepository,
    config: AppConfig,
  ) {
    this.syncMs = config.get('EXPOSURE_SYNC_MS');
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.syncing;
    await this.flush().catch((error: unknown) => this.logger.warn(`Final exposure flush failed: ${String(error)}`));
  }

  /** An exam started on the bank with `firstItem`; `eligible`, under maxExposure, marks the items it may be given. */
  examStarted(bankId: string, bankSize: number, firstItem: number, eligible: Uint8Array | null): void {
    const bank = this.bank(bankId, bankSize);
    bank.exams++;
    bank.pendingExams++;
    if (eligible) {
      for (let i = 0; i < eligible.length; i++) {
        if (eligible[i] === 0) continue;
        bank.eligible[i]++;
        bank.pendingEligible[i]++;
      }
    }
    this.count(bank, firstItem);
  }

  /** An item was given to a candidate (the next item of an answer). */
  administered(bankId: string, bankSize: number, ordinal: number): void {
    this.count(this.bank(bankId, bankSize), ordinal);
  }

  /**
   * For an exam under `maxExposure`: each item's probability of being eligible, from the counts known now (see
   * the engine's eligibilityProbabilities). The array is shared: read it, do not keep it.
   */
  eligibility(bankId: string, bankSize: number, maxExposure: number): Float64Array {
    const bank = this.bank(bankId, bankSize);
    let cached = bank.probabilities;
    if (!cached || cached.maxExposure !== maxExposure || cached.values.length !== bankSize) {
      cached = bank.probabilities = { maxExposure, values: new Float64Array(bankSize), stale: true };
    }
    if (cached.stale) {
      const administrations = bank.administrations.subarray(0, bankSize);
      const eligible = bank.eligible.subarray(0, bankSize);
      eligibilityProbabilities({ exams: bank.exams, administrations, eligible }, maxExposure, cached.values);
      cached.stale = false;
    }
    return cached.values;
  }

  /** Items eligible for the exam with this seed (counted when it starts). */
  eligibleItems(probabilities: Float64Array, seed: number): Uint8Array {
    return markEligible(probabilities, seed, new Uint8Array(probabilities.length));
  }

  /** One pass now: this instance's counts to Postgres, the fleet's totals back (tests and shutdown use it). */
  async sync(): Promise<void> {
    await this.flush();
    await this.refresh();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.syncing = this.sync()
        .catch((error: unknown) => this.logger.warn(`Exposure sync failed, retrying: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => this.schedule());
    }, this.syncMs);
    this.timer.unref();
  }

  private bank(bankId: string, bankSize: number): BankExposure {
    let bank = this.banks.get(bankId);
    if (!bank) {
      bank = new BankExposure();
      this.banks.set(bankId, bank);
    }
    bank.fit(bankSize);
    return bank;
  }

  private count(bank: BankExposure, ordinal: number): void {
    bank.fit(ordinal + 1);
    bank.administrations[ordinal]++;
    bank.pendingAdministrations[ordinal]++;
    bank.changed();
  }

  /** Adds the pending counts to Postgres; on failure they stay pending (added again, once, on a later pass). */
  private async flush(): Promise<void> {
    const taken: [BankExposure, number, Float64Array, Float64Array][] = [];
    const deltas: CountDeltas = { banks: { bankIds: [], exams: [] }, items: { bankIds: [], ordinals: [], administrations: [], eligible: [] } };
    for (const [bankId, bank] of this.banks) {
      if (!bank.hasPending) continue;
      taken.push([bank, bank.pendingExams, bank.pendingAdministrations, bank.pendingEligible]);
      deltas.banks.bankIds.push(bankId);
      deltas.banks.exams.push(bank.pendingExams);
      for (let i = 0; i < bank.pendingAdministrations.length; i++) {
        if (bank.pendingAdministrations[i] === 0 && bank.pendingEligible[i] === 0) continue;
        deltas.items.bankIds.push(bankId);
        deltas.items.ordinals.push(i);
        deltas.items.administrations.push(bank.pendingAdministrations[i]);
        deltas.items.eligible.push(bank.pendingEligible[i]);
      }
      const size = bank.pendingAdministrations.length;
      bank.pendingExams = 0;
      bank.pendingAdministrations = new Float64Array(size);
      bank.pendingEligible = new Float64Array(size);
      bank.hasPending = false;
    }
    if (taken.length === 0) return;
    try {
      await this.repository.addCounts(deltas);
    } catch (error) {
      for (const [bank, exams, administrations, eligible] of taken) {
        bank.fit(administrations.length);
        bank.pendingExams += exams;
        administrations.forEach((count, i) => (bank.pendingAdministrations[i] += count));
        eligible.forEach((count, i) => (bank.pendingEligible[i] += count));
        bank.hasPending = true;
      }
      throw error;
    }
  }

  /** Reads the fleet's totals of the banks followed; what is still pending here is added on top. */
  private async refresh(): Promise<void> {
    const now = Date.now();
    for (const [bankId, bank] of this.banks) {
      if (!bank.hasPending && now - bank.usedAt > FOLLOW_MS) this.banks.delete(bankId);
    }
    if (this.banks.size === 0) return;
    for (const totals of await this.repository.totals([...this.banks.keys()])) {
      const bank = this.banks.get(totals.bankId);
      if (bank) applyTotals(bank, totals);
    }
  }
}

function applyTotals(bank: BankExposure, totals: BankTotals): void {
  bank.fit(totals.ordinals.reduce((size, ordinal) => Math.max(size, ordinal + 1), 0));
  bank.exams = totals.exams + bank.pendingExams;
  bank.administrations.set(bank.pendingAdministrations);
  bank.eligible.set(bank.pendingEligible);
  totals.ordinals.forEach((ordinal, k) => {
    bank.administrations[ordinal] += totals.administrations[k];
    bank.eligible[ordinal] += totals.eligible[k];
  });
  if (bank.probabilities) bank.probabilities.stale = true;
}
