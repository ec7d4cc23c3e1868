import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service.js';
import { ExamSessionRepository } from './exam-session.repository.js';

/** Fleet-wide key of the purge's advisory lock ('CATR' in ASCII). */
const PURGE_LOCK_KEY = 0x43415452;
/** Exams per DELETE: a batch and its responses (tens of rows each) are one short transaction. */
const BATCH_SIZE = 500;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** The first purge after start-up waits this long, so a fleet's rollout does not start with a burst of deletes. */
const FIRST_PURGE_DELAY_MS = 60 * 1000;

export interface PurgeResult {
  exams: number;
  launches: number;
}

/**
 * Retention (RETENTION_DAYS > 0): exams that ended (completed, expired, revoked) more than that many days ago are
 * deleted with their responses, and launch tokens that expired as long ago; proficiencies stay. Hourly on every
 * instance, one at a time across the fleet (a Postgres advisory lock, as the expiry sweep), in small batches.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  /** RETENTION_DAYS; 0: off. */
  readonly days: number;
  private timers: NodeJS.Timeout[] = [];
  private running?: Promise<PurgeResult | null>;

  constructor(
    private readonly sessions: ExamSessionRepository,
    config: AppConfig,
  ) {
    this.days = config.get('RETENTION_DAYS');
  }

  onApplicationBootstrap(): void {
    if (this.days === 0) return;
    const purgeLogged = () => {
      this.purge().catch((error: unknown) => {
        this.logger.warn(`Retention purge failed, retrying next hour: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    this.timers = [setTimeout(purgeLogged, FIRST_PURGE_DELAY_MS), setInterval(purgeLogged, PURGE_INTERVAL_MS)];
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.running?.catch(() => undefined);
  }

  /** Deletes everything past retention now; null when another instance is purging (or retention is off). */
  purge(): Promise<PurgeResult | null> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<PurgeResult | null> {
    if (this.days === 0) return null;
    const result: PurgeResult = { exams: 0, launches: 0 };
    for (const what of ['exams', 'launches'] as const) {
      for (;;) {
        const deleted = await this.sessions.purgeBatch(what, this.days, BATCH_SIZE, PURGE_LOCK_KEY);
        if (deleted === null) return null; // another instance is purging
        result[what] += deleted;
        if (deleted < BATCH_SIZE) break;
      }
    }
    if (result.exams + result.launches > 0) {
      this.logger.log(`Retention: deleted ${result.exams} exam(s) and ${result.launches} launch token(s) older than ${this.days} days`);
    }
    return result;
  }
}
