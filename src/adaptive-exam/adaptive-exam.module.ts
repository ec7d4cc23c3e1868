import { Module } from '@nestjs/common';
import { AdminApiKeyGuard } from '../common/auth/admin-api-key.guard.js';
import { ExamTokenGuard } from '../common/auth/exam-token.guard.js';
import { ItemBanksModule } from '../item-banks/item-banks.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ExamAccess } from './exam-access.service.js';
import { ExamsController } from './exams.controller.js';
import { ExamsService } from './exams.service.js';
import { ScoringController } from './scoring.controller.js';
import { ScoringService } from './scoring.service.js';

/** Adaptive exams (start, answer, finish, result) and stateless scoring. */
@Module({
  imports: [SessionsModule, ItemBanksModule],
  controllers: [ExamsController, ScoringController],
  providers: [AdminApiKeyGuard, ExamTokenGuard, ExamAccess, ExamsService, ScoringService],
})
export class AdaptiveExamModule {}
