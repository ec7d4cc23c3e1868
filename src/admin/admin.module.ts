import { Module } from '@nestjs/common';
import { AdaptiveExamModule } from '../adaptive-exam/adaptive-exam.module.js';
import { ItemBanksModule } from '../item-banks/item-banks.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AdminController } from './admin.controller.js';
import { AdminService } from './admin.service.js';

/** Operational figures and actions for admins. */
@Module({
  imports: [SessionsModule, ItemBanksModule, AdaptiveExamModule],
  controllers: [AdminController],
  providers: [AdminService],
})
export class AdminModule {}
