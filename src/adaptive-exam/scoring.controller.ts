import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { EstimateDto } from './dto/estimate.dto.js';
import { EstimateView } from './dto/exam.views.js';
import { ScoringService } from './scoring.service.js';

/** A response pattern as the OpenAPI document shows it. */
const ESTIMATE_EXAMPLE = {
  items: [
    { a: 1.2, b: -0.4, c: 0.2 },
    { a: 0.9, b: 0.3 },
    { model: 'GRM', a: 1.6, thresholds: [-1.2, 0.1, 1.3] },
  ],
  responses: [1, 0, 2],
  estimator: 'EAP',
};

@ApiTags('scoring')
@Controller('v1')
@Auth({ key: ['admin'] })
export class ScoringController {
  constructor(private readonly scoring: ScoringService) {}

  @Post('estimate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'estimateAbility', summary: 'Stateless scoring: θ and SE of a response pattern' })
  @ApiErrors(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)
  @ApiBody({ type: EstimateDto, examples: { pattern: { summary: 'Two 4PL items (right, wrong) and a GRM item (score 2 of 3)', value: ESTIMATE_EXAMPLE } } })
  @ApiOkResponse({ type: EstimateView })
  estimate(@Body() dto: EstimateDto): EstimateView {
    return this.scoring.estimate(dto);
  }
}
