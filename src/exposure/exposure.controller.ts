import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import { ExposurePageQuery, StartExposureControlDto } from './dto/exposure.dto.js';
import { BankExposureView, ExposureControlJobView } from './dto/exposure.views.js';
import { ExposureControlJobs } from './exposure-control-jobs.service.js';
import { ExposureService } from './exposure.service.js';

const { UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, VALIDATION_FAILED } = ErrorCode;

/** Item exposure across the fleet, and Sympson–Hetter calibrations (admin). */
@ApiTags('exposure')
@Controller('v1/item-banks/:bankId')
@Auth({ key: ['admin'] })
export class ExposureController {
  constructor(
    private readonly exposure: ExposureService,
    private readonly jobs: ExposureControlJobs,
  ) {}

  @Get('exposure')
  @ApiOperation({ operationId: 'getExposureReport', summary: "Each item's administrations, exposure rate and K, page by page, with the bank's test-overlap rate" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, VALIDATION_FAILED)
  @ApiOkResponse({ type: BankExposureView })
  report(@Param('bankId', uuidParam('bankId')) bankId: string, @Query() query: ExposurePageQuery): Promise<BankExposureView> {
    return this.exposure.report(bankId, query);
  }

  @Post('exposure-control')
  @HttpCode(202)
  @ApiOperation({ operationId: 'startExposureControl', summary: 'Compute every item\'s Sympson–Hetter K for a target rate (a job; resumes an interrupted one)' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, VALIDATION_FAILED)
  @ApiAcceptedResponse({ type: ExposureControlJobView })
  start(@Param('bankId', uuidParam('bankId')) bankId: string, @Body() dto: StartExposureControlDto): Promise<ExposureControlJobView> {
    return this.jobs.start(bankId, dto);
  }

  @Get('exposure-control')
  @ApiOperation({ operationId: 'getExposureControl', summary: "The bank's latest Sympson–Hetter calibration and its progress" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: ExposureControlJobView })
  latest(@Param('bankId', uuidParam('bankId')) bankId: string): Promise<ExposureControlJobView> {
    return this.jobs.latest(bankId);
  }
}
