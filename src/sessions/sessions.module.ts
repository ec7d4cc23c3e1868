import { Module } from '@nestjs/common';
import { ExamSessionRepository } from './exam-session.repository.js';
import { HotStateStore } from './hot-state.store.js';
import { RetentionService } from './retention.service.js';
import { SessionExpiryService } from './session-expiry.service.js';
import { SubmissionLocks } from './submission-lock.js';

/** Exam-session stores: the Postgres record, the Redis hot state, the submission lock, expiry and retention. */
@Module({
  providers: [ExamSessionRepository, HotStateStore, SubmissionLocks, SessionExpiryService, RetentionService],
  exports: [ExamSessionRepository, HotStateStore, SubmissionLocks, SessionExpiryService, RetentionService],
})
export class SessionsModule {}
