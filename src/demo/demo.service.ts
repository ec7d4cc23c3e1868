import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { LaunchView } from '../adaptive-exam/dto/exam.views.js';
import { ExamLauncher } from '../adaptive-exam/exam-launcher.service.js';
import { type Caller, ROOT_CLIENT_ID } from '../common/auth/auth.types.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.service.js';
import type { DemoStatusView } from './dto/demo.views.js';

/** Long enough for the page to redeem it at once, short enough that an unused one is gone soon. */
export const DEMO_LAUNCH_TTL_SECONDS = 60;

/** Demo exams one address may start per minute: a person trying the page never needs more. */
export const DEMO_LAUNCHES_PER_MINUTE = 10;

/** Demo launches are issued by the root client, the owner of exams no platform client started. */
const ROOT_CALLER: Caller = { kind: 'client', client: { id: ROOT_CLIENT_ID, scopes: ['admin'], bankIds: [] } };

/**
 * Demo exams for people trying the service without a platform client: a launch token of the one configured test
 * definition (DEMO_TEST_DEFINITION_ID) for a new candidate each time. The caller picks nothing (bank, config,
 * candidate), so nothing beyond that definition's exam is reachable this way.
 */
@Injectable()
export class DemoService {
  private readonly definitionId: string | null;

  constructor(
    private readonly launcher: ExamLauncher,
    config: AppConfig,
  ) {
    this.definitionId = config.get('DEMO_TEST_DEFINITION_ID') ?? null;
  }

  status(): DemoStatusView {
    return { demoExams: this.definitionId !== null };
  }

  async launch(): Promise<LaunchView> {
    if (this.definitionId === null) throw new ApiException(ErrorCode.NOT_FOUND, 'Demo exams are off on this instance');
    return this.launcher.createLaunch(ROOT_CALLER, {
      testDefinitionId: this.definitionId,
      candidateId: `demo-${randomUUID()}`,
      ttlSeconds: DEMO_LAUNCH_TTL_SECONDS,
    });
  }
}
