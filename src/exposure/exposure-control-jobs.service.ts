import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ExposureControlJob } from '@prisma/client';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { resolveStartConfig } from '../adaptive-exam/start-config.js';
import { type ExamConfig, randomSeed, sympsonHetterCalibration } from '../irt/index.js';
import { BankSnapshots } from '../item-banks/bank-snapshots.js';
import { PrismaService } from '../prisma/prisma.service.js';
import type { StartExposureControlDto } from './dto/exposure.dto.js';
import type { ExposureControlJobView } from './dto/exposure.views.js';

const DEFAULT_SIMULEES = 1_000;
const DEFAULT_ITERATIONS = 10;
/**
 * How far over the target a calibration's largest simulated rate may be and count as converged: 0.01, or 2.5 standard
 * errors of a simulated rate when the simulees are too few to measure one that closely (±0.034 at 0.25 and 1,000).
 */
export function convergenceTolerance(targetRate: number, simulees: number): number {
  return Math.max(0.01, 2.5 * Math.sqrt((targetRate * (1 - targetRate)) / simulees));
}
/** A running job writes its progress at least this often; one silent for STALE_AFTER_MS was interrupted. */
const HEARTBEAT_MS = 1_000;
const STALE_AFTER_MS = 30_000;

const bankNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');

/**
 * Sympson–Hetter calibrations: the classical iterative simulation, run in slices on the event loop of the instance
 * that was asked (the API stays responsive), its state in Postgres after every iteration. An instance that stops
 * leaves its job INTERRUPTED (marked at shutdown, or seen so once its heartbeat is STALE_AFTER_MS old); POSTing the
 * same calibration again resumes it from its last completed iteration, with the same simulees. On success every
 * item's K is written and the bank's version moves, so every instance's snapshot picks the K up.
 */
@Injectable()
export class ExposureControlJobs implements OnApplicationShutdown {
  private readonly logger = new Logger(ExposureControlJobs.name);
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly banks: BankSnapshots,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running.values());
  }

  async start(bankId: string, dto: StartExposureControlDto): Promise<ExposureControlJobView> {
    const bank = await this.banks.get(bankId);
    if (!bank) throw bankNotFound();
    const config = await resolveStartConfig(dto.config, bank.engine.areas, async () => null);
    const plan = { targetRate: dto.targetRate, simulees: dto.simulees ?? DEFAULT_SIMULEES, maxIterations: dto.maxIterations ?? DEFAULT_ITERATIONS };
    const job = await this.prisma.$transaction(async (tx) => {
      // The bank's row lock: of two concurrent POSTs, one starts a job and the other finds it running.
      await tx.$queryRaw`SELECT 1 FROM item_bank WHERE id = ${bankId}::uuid FOR UPDATE`;
      const last = await tx.exposureControlJob.findFirst({ where: { bankId }, orderBy: { startedAt: 'desc' } });
      if (last && this.isRunning(last)) throw new ApiException(ErrorCode.CONFLICT, 'A calibration of this bank is running');
      if (last?.status === 'RUNNING') await tx.exposureControlJob.update({ where: { id: last.id }, data: { status: 'INTERRUPTED' } });
      const resumable =
        last !== null &&
        (last.status === 'RUNNING' || last.status === 'INTERRUPTED') &&
        last.iteration > 0 &&
        last.k.length === bank.engine.size &&
        last.targetRate === plan.targetRate &&
        last.simulees === plan.simulees &&
        last.maxIterations === plan.maxIterations &&
        // As stored: jsonb keeps its own key order, and no undefined.
        isDeepStrictEqual(last.config, JSON.parse(JSON.stringify(config)));
      return tx.exposureControlJob.create({
        data: {
          bankId,
          ...plan,
          config: config as object,
          seed: resumable ? last.seed : randomSeed() | 0,
          iteration: resumable ? last.iteration : 0,
          k: resumable ? last.k : [],
          maxExposure: resumable ? last.maxExposure : null,
          resumedFrom: resumable ? last.id : null,
        },
      });
    });
    const run = this.run(job, config)
      .catch(async (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error(`Exposure-control job ${job.id} failed: ${message}`);
        await this.prisma.exposureControlJob.update({ where: { id: job.id }, data: { status: 'FAILED', error: message, finishedAt: new Date() } });
      })
      .catch(() => undefined)
      .finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
    return toView(job);
  }

  /** The bank's latest calibration; 404 when it has none. */
  async latest(bankId: string): Promise<ExposureControlJobView> {
    const job = await this.prisma.exposureControlJob.findFirst({ where: { bankId }, orderBy: { startedAt: 'desc' } });
    if (!job) {
      const bank = await this.prisma.itemBank.findUnique({ where: { id: bankId }, select: { id: true } });
      throw bank ? new ApiException(ErrorCode.NOT_FOUND, 'This bank has no exposure-control job') : bankNotFound();
    }
    if (job.status === 'RUNNING' && !this.isRunning(job)) return toView({ ...job, status: 'INTERRUPTED' });
    return toView(job);
  }

  private isRunning(job: ExposureControlJob): boolean {
    return job.status === 'RUNNING' && (this.running.has(job.id) || Date.now() - job.heartbeatAt.getTime() < STALE_AFTER_MS);
  }

  private async run(job: ExposureControlJob, config: ExamConfig): Promise<void> {
    const bank = await this.banks.get(job.bankId);
    if (!bank) throw new Error('The item bank was deleted');
    const tolerance = convergenceTolerance(job.targetRate, job.simulees);
    // Resumed after its last iteration was saved: nothing is left to simulate.
    if (job.iteration >= job.maxIterations || (job.maxExposure !== null && job.maxExposure <= job.targetRate + tolerance)) {
      await this.finish(job, Float64Array.from(job.k), job.iteration, job.maxExposure ?? 1);
      return;
    }
    const calibration = sympsonHetterCalibration(bank.engine, config, {
      targetRate: job.targetRate,
      simulees: job.simulees,
      maxIterations: job.maxIterations,
      tolerance,
      seed: job.seed >>> 0,
      initialK: job.k.length > 0 ? job.k : undefined,
      firstIteration: job.iteration + 1,
    });
    const save = (data: Partial<Pick<ExposureControlJob, 'iteration' | 'k' | 'maxExposure' | 'simulated' | 'status' | 'finishedAt'>>) =>
      this.prisma.exposureControlJob.update({ where: { id: job.id }, data: { ...data, heartbeatAt: new Date() } });
    let savedAt = Date.now();
    for (;;) {
      if (this.stopping) {
        await save({ status: 'INTERRUPTED' });
        return;
      }
      const step = calibration.next();
      if (step.done) {
        await this.finish(job, step.value.k, step.value.iterations, step.value.maxExposure);
        return;
      }
      const progress = step.value;
      if (progress.k) {
        await save({ iteration: progress.iteration, k: Array.from(progress.k), maxExposure: progress.maxExposure ?? null, simulated: 0 });
        savedAt = Date.now();
      } else if (Date.now() - savedAt >= HEARTBEAT_MS) {
        await save({ simulated: progress.simulated });
        savedAt = Date.now();
      } else {
        await yieldToEventLoop();
      }
    }
  }

  /** Every item's K, the bank's version bump (snapshots reload with them) and the job's end, in one transaction. */
  private async finish(job: ExposureControlJob, k: Float64Array, iterations: number, maxExposure: number): Promise<void> {
    const values = Array.from(k);
    await this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM item_bank WHERE id = ${job.bankId}::uuid FOR UPDATE`;
      await tx.$executeRaw`
        UPDATE item SET exposure_k = u.k FROM unnest(${values}::float8[]) WITH ORDINALITY AS u(k, n)
         WHERE item.bank_id = ${job.bankId}::uuid AND item.ordinal = u.n - 1`;
      await tx.$executeRaw`UPDATE item_bank SET version = version + 1, updated_at = now() WHERE id = ${job.bankId}::uuid`;
      await tx.exposureControlJob.update({
        where: { id: job.id },
        data: { status: 'SUCCEEDED', iteration: iterations, k: values, maxExposure, simulated: 0, finishedAt: new Date(), heartbeatAt: new Date() },
      });
    });
    this.banks.invalidate(job.bankId);
  }
}

function toView(job: ExposureControlJob): ExposureControlJobView {
  const { id, bankId, status, targetRate, simulees, maxIterations, iteration, simulated, maxExposure, error, startedAt, finishedAt, resumedFrom } = job;
  const progress = status === 'SUCCEEDED' ? 1 : Math.min(1, (iteration * simulees + simulated) / (maxIterations * simulees));
  const tolerance = convergenceTolerance(targetRate, simulees);
  const converged = maxExposure !== null && maxExposure <= targetRate + tolerance;
  return { id, bankId, status, targetRate, simulees, maxIterations, iteration, simulated, progress, maxExposure, tolerance, converged, error, startedAt, finishedAt, resumedFrom };
}
