import { Module } from '@nestjs/common';
import { ExposureModule } from '../exposure/exposure.module.js';
import { ItemBanksModule } from '../item-banks/item-banks.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TestDefinitionsModule } from '../test-definitions/test-definitions.module.js';
import { ExamAccess } from './exam-access.service.js';
import { ExamLauncher } from './exam-launcher.service.js';
import { ExamsController } from './exams.controller.js';
import { ExamsService } from './exams.service.js';
import { CandidateLaunchesController } from './launches.controller.js';
import { LaunchesRepository } from './launches.repository.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringService } from './scoring.service.js';

/** Adaptive exams (launch, answer, finish, result, revocation) and stateless scoring. */
@Module({
  imports: [SessionsModule, ItemBanksModule, TestDefinitionsModule, ExposureModule],
  controllers: [ExamsController, CandidateLaunchesController, ScoringController],
  providers: [ExamAccess, ExamLauncher, ExamsService, LaunchesRepository, ScoringService],
  exports: [ExamAccess, ExamLauncher],
})
export class AdaptiveExamModule {}
