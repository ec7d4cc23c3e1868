import { Module } from '@nestjs/common';
import { AdaptiveExamModule } from '../adaptive-exam/adaptive-exam.module.js';
import { DemoController } from './demo.controller.js';
import { DemoService } from './demo.service.js';

/**
 * The browser demo: the pages under /demo (static files, see demo-pages.ts) and the routes the candidate page calls
 * before it has a launch token.
 */
@Module({
  imports: [AdaptiveExamModule],
  controllers: [DemoController],
  providers: [DemoService],
})
export class DemoModule {}
