import { Module } from '@nestjs/common';
import { ExamSessionRepository } from './exam-session.repository.js';
import { HotStateStore } from './hot-state.store.js';
import { SessionExpiryService } from './session-expiry.service.js';

/** Exam-session lifecycle: Postgres record, Redis hot state and locks, expiry. */
@Module({
  providers: [ExamSessionRepository, HotStateStore, SessionExpiryService],
  exports: [ExamSessionRepository, HotStateStore, SessionExpiryService],
})
export class SessionsModule {}
