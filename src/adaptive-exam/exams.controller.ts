import { Body, Controller, Get, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { RouteSchema } from '@nestjs/platform-fastify';
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest, Caller } from '../common/auth/auth.types.js';
import { CurrentCaller } from '../common/auth/caller.decorator.js';
import { AllowAdmin, ExamTokenGuard } from '../common/auth/exam-token.guard.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import type { Submitted } from './answer-decision.js';
import { ANSWER_ROUTE_SCHEMA } from './answer.schema.js';
import { StartExamDto, SubmitAnswerDto } from './dto/exam.dto.js';
import { AnswerView, ExamView, FinishView, ResultView, StartedExamView } from './dto/exam.views.js';
import { ExamsService } from './exams.service.js';

const { UNAUTHORIZED, NOT_FOUND, EXAM_EXPIRED, SUBMISSION_IN_PROGRESS } = ErrorCode;

/** The answer route's request once its schema and guard have passed. */
type AnswerRequest = AuthenticatedRequest & { params: { examId: string }; body: Submitted };

/**
 * Adaptive exams. Starting one needs no credentials (the candidate's client calls it and receives the
 * exam's bearer token); everything after that needs the token.
 */
@ApiTags('exams')
@Controller('v1/exams')
export class ExamsController {
  constructor(private readonly exams: ExamsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Start an exam: returns its token (once) and the first item' })
  @ApiErrors(NOT_FOUND, ErrorCode.CONFLICT)
  @ApiCreatedResponse({ type: StartedExamView })
  start(@Body() dto: StartExamDto): Promise<StartedExamView> {
    return this.exams.start(dto);
  }

  @Get(':examId')
  @UseGuards(ExamTokenGuard)
  @ApiBearerAuth('exam-token')
  @ApiOperation({ summary: 'The exam as the candidate sees it; slides the idle expiry' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND, EXAM_EXPIRED)
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
  @UseGuards(ExamTokenGuard)
  @ApiBearerAuth('exam-token')
  @ApiOperation({ summary: 'Answer the item being shown (exactly once: an identical repeat replays the same body)' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND, ErrorCode.NOT_CURRENT_ITEM, ErrorCode.ALREADY_ANSWERED, SUBMISSION_IN_PROGRESS, ErrorCode.EXAM_FINISHED, EXAM_EXPIRED)
  @ApiBody({ type: SubmitAnswerDto })
  @ApiOkResponse({ type: AnswerView })
  answer(@Req() request: AnswerRequest): Promise<AnswerView> {
    return this.exams.answer(request.params.examId, request.caller!, request.body);
  }

  @Post(':examId/finish')
  @HttpCode(200)
  @UseGuards(ExamTokenGuard)
  @ApiBearerAuth('exam-token')
  @ApiOperation({ summary: 'End the exam now and store the proficiency' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND, SUBMISSION_IN_PROGRESS, EXAM_EXPIRED)
  @ApiOkResponse({ type: FinishView })
  finish(@Param('examId', uuidParam('examId')) examId: string, @CurrentCaller() caller: Caller): Promise<FinishView> {
    return this.exams.finish(examId, caller);
  }

  /** With the exam token: the summary. With the admin key: also every response. */
  @Get(':examId/result')
  @AllowAdmin()
  @UseGuards(ExamTokenGuard)
  @ApiBearerAuth('exam-token')
  @ApiSecurity('admin-key')
  @ApiOperation({ summary: 'The result; with the admin key also every response' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND)
  @ApiOkResponse({ type: ResultView })
  result(@Param('examId', uuidParam('examId')) examId: string, @CurrentCaller() caller: Caller): Promise<ResultView> {
    return this.exams.result(examId, caller);
  }
}
