import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { assertBankAllowed, type Caller, clientOf, hasScope } from '../common/auth/auth.types.js';
import { generateToken, hashToken } from '../common/auth/tokens.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { validationFailed } from '../common/http/validation.js';
import { AppConfig } from '../config/app-config.service.js';
import { nextStep, randomSeed } from '../irt/index.js';
import { ExposureCounts } from '../exposure/exposure-counts.service.js';
import { type BankSnapshot, BankSnapshots } from '../item-banks/bank-snapshots.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ExamSessionRepository } from '../sessions/exam-session.repository.js';
import { HotStateStore } from '../sessions/hot-state.store.js';
import { TestDefinitionsService } from '../test-definitions/test-definitions.service.js';
import type { CreateLaunchDto, ExamConfigDto, StartExamDto } from './dto/exam.dto.js';
import type { LaunchView, SeenItemsView, StartedExamView } from './dto/exam.views.js';
import { ExamAccess } from './exam-access.service.js';
import { feedbackFor } from './feedback.js';
import { LaunchesRepository } from './launches.repository.js';
import { type LaunchConfig, resolveStartConfig } from './start-config.js';

/** What an exam is started from, once the request's form and credentials are sorted out. */
interface LaunchPlan {
  clientId: string;
  candidateId: string;
  bankId: string;
  config: ExamConfigDto | undefined;
  /** The test definition and revision: only such exams write the candidate's proficiency. */
  definition: { id: string; revision: number } | null;
  /** A launch token's row, redeemed with the exam's insert. */
  launchId?: string;
}

export const DEFAULT_LAUNCH_TTL_SECONDS = 300;

const tokenUsed = () => new ApiException(ErrorCode.LAUNCH_TOKEN_USED, 'The launch token was used already');
const tokenExpired = () => new ApiException(ErrorCode.LAUNCH_TOKEN_EXPIRED, 'The launch token expired');

/** Starting exams: from a test definition, from an ad-hoc config, or from a browser's launch token. */
@Injectable()
export class ExamLauncher {
  private readonly ttlMs: number;

  constructor(
    private readonly access: ExamAccess,
    private readonly sessions: ExamSessionRepository,
    private readonly hotState: HotStateStore,
    private readonly banks: BankSnapshots,
    private readonly definitions: TestDefinitionsService,
    private readonly launches: LaunchesRepository,
    private readonly exposure: ExposureCounts,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.ttlMs = config.get('SESSION_TTL_SECONDS') * 1000;
  }

  /** POST /v1/launches: a single-use token for one candidate's browser to start one exam of a test definition. */
  async createLaunch(caller: Caller, dto: CreateLaunchDto): Promise<LaunchView> {
    const definition = await this.definitions.forLaunch(caller, dto.testDefinitionId);
    const launchToken = generateToken();
    const expiresAt = new Date(Date.now() + (dto.ttlSeconds ?? DEFAULT_LAUNCH_TTL_SECONDS) * 1000);
    await this.launches.create({ tokenHash: hashToken(launchToken), clientId: clientOf(caller)!.id, testDefinitionId: definition.id, candidateId: dto.candidateId, expiresAt });
    return { launchToken, expiresAt };
  }

  async start(caller: Caller, dto: StartExamDto): Promise<StartedExamView> {
    const plan = await this.planOf(caller, dto);
    const lastProficiency = async () => (await this.sessions.findProficiency(plan.clientId, plan.candidateId, plan.bankId))?.theta ?? null;
    const bank = await this.banks.get(plan.bankId);
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    const config = await this.configOf(plan, bank.engine.areas, lastProficiency);
    const seed = randomSeed();
    const excludedItems = config.excludeSeenItems ? await this.sessions.seenItems(plan.clientId, plan.candidateId, plan.bankId) : [];
    const size = bank.engine.size;
    const eligibility = config.selection.maxExposure === undefined ? null : this.exposure.eligibility(plan.bankId, size, config.selection.maxExposure);
    const { theta, se, nextItemIndex: currentItem } = nextStep(config, bank.engine, [], seed, { eligibility, excluded: excludedItems });
    if (currentItem === null) {
      const why = excludedItems.length > 0 ? 'no enabled item this candidate has not seen' : 'no enabled items to administer';
      throw new ApiException(ErrorCode.CONFLICT, `The item bank has ${why}`);
    }

    const token = generateToken();
    const exam = {
      id: randomUUID(),
      bankId: plan.bankId,
      clientId: plan.clientId,
      candidateId: plan.candidateId,
      tokenHash: hashToken(token),
      config,
      seed,
      testDefinitionId: plan.definition?.id ?? null,
      testDefinitionRevision: plan.definition?.revision ?? null,
      bankVersion: bank.version,
      excludedItems,
    };
    const created = await this.sessions.create({ ...exam, theta, se, currentItem }, plan.launchId);
    if (!created) throw (await this.launchIsExpired(plan.launchId!)) ? tokenExpired() : tokenUsed();
    this.access.remember(exam);
    this.exposure.examStarted(plan.bankId, size, currentItem, eligibility && this.exposure.eligibleItems(eligibility, seed));
    await this.hotState.put(exam.id, { version: 0, theta, se, currentItem, history: [] });
    this.metrics.examStarted();
    return {
      examId: exam.id,
      token,
      status: 'active',
      item: bank.content[currentItem]!,
      answered: 0,
      ...feedbackFor(config, { theta, se }),
      expiresAt: new Date(created.lastActivityAt.getTime() + this.ttlMs),
      ...(config.excludeSeenItems ? { seenItems: seenItemsView(bank, excludedItems, config.maxItems) } : {}),
    };
  }

  /**
   * A definition's config was valid for its bank when saved; should the bank have changed under it since (a content
   * area gone), its exams cannot start: a conflict for whoever maintains the definition, not the candidate's input.
   */
  private async configOf(plan: LaunchPlan, bankAreas: readonly string[], lastProficiency: () => Promise<number | null>): Promise<LaunchConfig> {
    try {
      return await resolveStartConfig(plan.config, bankAreas, lastProficiency);
    } catch (error) {
      if (!plan.definition || !(error instanceof ApiException)) throw error;
      throw new ApiException(ErrorCode.CONFLICT, 'The test definition no longer fits its item bank: revise its config', error.details);
    }
  }

  /** The request's form: a launch token (no key), a test definition, or an ad-hoc config (exams:custom). */
  private async planOf(caller: Caller, dto: StartExamDto): Promise<LaunchPlan> {
    const { launchToken, testDefinitionId, bankId, candidateId, config } = dto;
    if (launchToken !== undefined) {
      const extra = Object.entries({ testDefinitionId, bankId, candidateId, config }).filter(([, value]) => value !== undefined);
      if (extra.length > 0) throw validationFailed(extra.map(([field]) => ({ field, message: 'must not be sent with launchToken' })));
      return this.redeem(launchToken);
    }
    const client = clientOf(caller);
    if (!client) throw new ApiException(ErrorCode.UNAUTHORIZED, 'An x-api-key with exams:launch, or a launchToken, is required');
    if (candidateId === undefined) throw validationFailed([{ field: 'candidateId', message: 'is required' }]);
    if (testDefinitionId !== undefined) {
      if (bankId !== undefined || config !== undefined) {
        throw validationFailed([{ field: bankId !== undefined ? 'bankId' : 'config', message: 'must not be sent with testDefinitionId' }]);
      }
      const definition = await this.definitions.forLaunch(caller, testDefinitionId);
      return { clientId: client.id, candidateId, bankId: definition.bankId, config: definition.config, definition };
    }
    if (bankId === undefined) throw validationFailed([{ field: 'testDefinitionId', message: 'or bankId (with exams:custom) is required' }]);
    if (!hasScope(client, 'exams:custom')) throw new ApiException(ErrorCode.FORBIDDEN, 'An exam config of its own needs the scope exams:custom');
    assertBankAllowed(caller, bankId);
    return { clientId: client.id, candidateId, bankId, config, definition: null };
  }

  private async redeem(launchToken: string): Promise<LaunchPlan> {
    const launch = await this.launches.findByTokenHash(hashToken(launchToken));
    // A deleted client's tokens die with it, like its keys.
    if (!launch || launch.client.revokedAt) throw new ApiException(ErrorCode.UNAUTHORIZED, 'The launch token is not valid');
    if (launch.usedAt) throw tokenUsed();
    if (launch.expiresAt.getTime() <= Date.now()) throw tokenExpired();
    const definition = await this.definitions.forLaunch(null, launch.testDefinitionId);
    return {
      clientId: launch.clientId,
      candidateId: launch.candidateId,
      bankId: definition.bankId,
      config: definition.config,
      definition,
      launchId: launch.id,
    };
  }

  private async launchIsExpired(launchId: string): Promise<boolean> {
    const launch = await this.launches.find(launchId);
    return !!launch && !launch.usedAt && launch.expiresAt.getTime() <= Date.now();
  }
}

/** How many items excludeSeenItems left out, and whether the rest can fill the exam. */
function seenItemsView(bank: BankSnapshot, excluded: readonly number[], maxItems: number): SeenItemsView {
  const left = new Set(excluded);
  let remaining = 0;
  for (let ordinal = 0; ordinal < bank.engine.size; ordinal++) {
    if (bank.engine.enabled[ordinal] === 1 && !left.has(ordinal)) remaining++;
  }
  return { excluded: excluded.length, remaining, enough: remaining >= maxItems };
}
