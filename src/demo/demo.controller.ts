import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LaunchView } from '../adaptive-exam/dto/exam.views.js';
import { Public } from '../common/auth/auth.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { perAddressRouteLimit } from '../edge/rate-limits.js';
import { DemoStatusView } from './dto/demo.views.js';
import { DEMO_LAUNCHES_PER_MINUTE, DemoService } from './demo.service.js';

/** What the /demo page asks before it has a launch token: whether demo exams are on, and one such token. */
@ApiTags('demo')
@Controller('v1/demo')
@Public()
export class DemoController {
  constructor(private readonly demo: DemoService) {}

  @Get()
  @ApiOperation({ operationId: 'getDemoStatus', summary: 'Whether this instance starts demo exams without a launch token' })
  @ApiErrors()
  @ApiOkResponse({ type: DemoStatusView })
  status(): DemoStatusView {
    return this.demo.status();
  }

  @Post('launches')
  @HttpCode(201)
  // Anyone may call it and each call can become stored rows (an exam, its responses): a small limit of its own.
  @RouteConfig(perAddressRouteLimit('demo-launch', DEMO_LAUNCHES_PER_MINUTE))
  @ApiOperation({
    operationId: 'createDemoLaunch',
    summary: "A launch token of the instance's demo test definition (DEMO_TEST_DEFINITION_ID) for a new candidate; no key",
  })
  @ApiErrors(ErrorCode.NOT_FOUND, ErrorCode.TOO_MANY_REQUESTS)
  @ApiCreatedResponse({ type: LaunchView })
  launch(): Promise<LaunchView> {
    return this.demo.launch();
  }
}
