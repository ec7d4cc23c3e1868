import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import type { AuthenticatedRequest, Caller } from '../common/auth/auth.types.js';
import { CurrentCaller } from '../common/auth/caller.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { EXAMPLE } from '../common/http/api-examples.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import type { Submitted } from './answer-decision.js';
import { ANSWER_ROUTE_SCHEMA } from './answer.schema.js';
import { StartExamDto, SubmitAnswerDto } from './dto/exam.dto.js';
import { AnswerView, ExamView, FinishView, ResultView, RevokedView, StartedExamView } from './dto/exam.views.js';
import { ExamLauncher } from './exam-launcher.service.js';
import { ExamsService } from './exams.service.js';

const { UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, EXAM_EXPIRED, SUBMISSION_IN_PROGRESS } = ErrorCode;

/** The three ways to start an exam, as the OpenAPI document shows them. */
const START_EXAM_EXAMPLES = {
  testDefinition: {
    summary: 'From a test definition (a key with exams:launch)',
    value: { testDefinitionId: EXAMPLE.testDefinitionId, candidateId: EXAMPLE.candidateId },
  },
  adHocConfig: {
    summary: 'With an ad-hoc config (a key with exams:launch and exams:custom)',
    value: { bankId: EXAMPLE.bankId, candidateId: EXAMPLE.candidateId, config: { maxItems: 20, seThreshold: 0.3, feedback: 'theta' } },
  },
  launchToken: { summary: "With a launch token (the candidate's browser, no key)", value: { launchToken: EXAMPLE.launchToken } },
};

/** The answer route's request once its schema and guard have passed. */
type AnswerRequest = AuthenticatedRequest & { params: { examId: string }; body: Submitted };

/**
 * Adaptive exams. A platform starts one with its key (or the candidate's browser with a launch token) and hands the
 * candidate the exam token it gets back; everything the candidate does after that takes that token.
 */
@ApiTags('exams')
@Controller('v1/exams')
export class ExamsController {
  constructor(
    private readonly launcher: ExamLauncher,
    private readonly exams: ExamsService,
  ) {}

  @Post()
  @HttpCode(201)
  @Auth({ key: ['exams:launch'], anonymous: true })
  @ApiOperation({
    operationId: 'startExam',
    summary: 'Start an exam: from a test definition (exams:launch), an ad-hoc config (also exams:custom), or a launch token (no key)',
  })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, ErrorCode.LAUNCH_TOKEN_USED, ErrorCode.LAUNCH_TOKEN_EXPIRED)
  @ApiBody({ type: StartExamDto, examples: START_EXAM_EXAMPLES })
  @ApiCreatedResponse({ type: StartedExamView })
  start(@CurrentCaller() caller: Caller, @Body() dto: StartExamDto): Promise<StartedExamView> {
    return this.launcher.start(caller, dto);
  }

  @Get(':examId')
  @Auth({ examToken: true })
  @ApiOperation({ operationId: 'getExam', summary: 'The exam as the candidate sees it; slides the idle expiry' })
  @ApiErrors(UNAUTHORIZED, EXAM_EXPIRED)
  @ApiOkResponse({ type: ExamView })
  get(@Param('examId', uuidParam('examId')) examId: string, @CurrentCaller() caller: Caller): Promise<ExamView> {
    return this.exams.get(examId, caller);
  }

  /**
   * The hot route: its path and body are checked by the compiled JSON schema and its reply serialised by one. It
   * takes the request as its only argument, so no parameter pipe runs on it (the schema has checked everything).
   */
  @Post(':examId/answers')
  @HttpCode(200)
  @RouteSchema(ANSWER_ROUTE_SCHEMA)
  @Auth({ examToken: true })
  @ApiOperation({ operationId: 'submitAnswer', summary: 'Answer the item being shown (exactly once: an identical repeat replays the same body)' })
  @ApiErrors(UNAUTHORIZED, ErrorCode.NOT_CURRENT_ITEM, ErrorCode.ALREADY_ANSWERED, SUBMISSION_IN_PROGRESS, ErrorCode.EXAM_FINISHED, EXAM_EXPIRED)
  // The handler takes no @Param() (see above): the path parameter is declared for the document and typed clients.
  @ApiParam({ name: 'examId', type: String, format: 'uuid' })
  @ApiBody({ type: SubmitAnswerDto })
  @ApiOkResponse({ type: AnswerView })
  answer(@Req() request: AnswerRequest): Promise<AnswerView> {
    return this.exams.answer(request.params.examId, request.caller!, request.body);
  }

  @Post(':examId/finish')
  @HttpCode(200)
  @Auth({ examToken: true })
  @ApiOperation({ operationId: 'finishExam', summary: 'End the exam now (its proficiency is stored if it was launched from a test definition)' })
  @ApiErrors(UNAUTHORIZED, SUBMISSION_IN_PROGRESS, EXAM_EXPIRED)
  @ApiOkResponse({ type: FinishView })
  finish(@Param('examId', uuidParam('examId')) examId: string, @CurrentCaller() caller: Caller): Promise<FinishView> {
    return this.exams.finish(examId, caller);
  }

  @Get(':examId/result')
  @Auth({ examToken: true, key: ['results:read'] })
  @ApiOperation({ operationId: 'getExamResult', summary: "The result: what the feedback mode shows with the exam token; everything with the client's key" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: ResultView })
  result(@Param('examId', uuidParam('examId')) examId: string, @CurrentCaller() caller: Caller): Promise<ResultView> {
    return this.exams.result(examId, caller);
  }

  @Post(':examId/revoke')
  @HttpCode(200)
  @Auth({ key: ['exams:launch'] })
  @ApiOperation({ operationId: 'revokeExam', summary: 'Stop the exam token at once, on every instance (the responses stay)' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: RevokedView })
  async revoke(@Param('examId', uuidParam('examId')) examId: string, @CurrentCaller() caller: Caller): Promise<RevokedView> {
    return { revoked: await this.exams.revoke(examId, caller) };
  }
}
