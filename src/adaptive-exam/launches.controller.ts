import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import type { Caller } from '../common/auth/auth.types.js';
import { CurrentCaller } from '../common/auth/caller.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { CreateLaunchDto } from './dto/exam.dto.js';
import { LaunchView, RevokedView } from './dto/exam.views.js';
import { ExamLauncher } from './exam-launcher.service.js';
import { ExamsService } from './exams.service.js';
import { CandidateIdPipe } from './candidate-id.pipe.js';

const { UNAUTHORIZED, FORBIDDEN, NOT_FOUND } = ErrorCode;

/** What a platform does for its candidates: hand a browser a launch token, or log a candidate out everywhere. */
@ApiTags('exams')
@Controller('v1')
@Auth({ key: ['exams:launch'] })
export class CandidateLaunchesController {
  constructor(
    private readonly launcher: ExamLauncher,
    private readonly exams: ExamsService,
  ) {}

  @Post('launches')
  @HttpCode(201)
  @ApiOperation({ operationId: 'createLaunch', summary: "A single-use token for a candidate's browser to start one exam of a test definition" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiCreatedResponse({ type: LaunchView })
  launch(@CurrentCaller() caller: Caller, @Body() dto: CreateLaunchDto): Promise<LaunchView> {
    return this.launcher.createLaunch(caller, dto);
  }

  @Post('candidates/:candidateId/revoke')
  @HttpCode(200)
  @ApiOperation({ operationId: 'revokeCandidateExams', summary: "Stop the tokens of every active exam of this client's candidate, on every instance" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN)
  @ApiOkResponse({ type: RevokedView })
  async revokeCandidate(@Param('candidateId', CandidateIdPipe) candidateId: string, @CurrentCaller() caller: Caller): Promise<RevokedView> {
    return { revoked: await this.exams.revokeCandidate(candidateId, caller) };
  }
}
