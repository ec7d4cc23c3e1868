import { Module } from '@nestjs/common';
import { AdminApiKeyGuard } from '../common/auth/admin-api-key.guard.js';
import { ExamTokenGuard } from '../common/auth/exam-token.guard.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';
import { BankSnapshotCache } from './bank-snapshot.cache.js';
import { ExamsController } from './exams.controller.js';
import { ExamsService } from './exams.service.js';
import { ItemBanksController } from './item-banks.controller.js';
import { ItemBanksService } from './item-banks.service.js';
import { ItemContentService } from './item-content.service.js';
import { ScoringService } from './scoring.service.js';

/** Item banks, items, adaptive exams, stateless scoring and admin stats. */
@Module({
  imports: [SessionsModule],
  controllers: [ItemBanksController, ExamsController, AdminController],
  providers: [
    AdminApiKeyGuard,
    ExamTokenGuard,
    BankSnapshotCache,
    ItemContentService,
    ItemBanksService,
    ExamsService,
    ScoringService,
    AdminService,
  ],
})
export class AdaptiveExamModule {}
