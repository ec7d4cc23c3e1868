import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { EstimateDto } from './dto/estimate.dto.js';
import { EstimateView } from './dto/exam.views.js';
import { ScoringService } from './scoring.service.js';

@ApiTags('scoring')
@Controller('v1')
@Auth({ key: ['admin'] })
export class ScoringController {
  constructor(private readonly scoring: ScoringService) {}

  @Post('estimate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stateless scoring: θ and SE of a response pattern' })
  @ApiErrors(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)
  @ApiOkResponse({ type: EstimateView })
  estimate(@Body() dto: EstimateDto): EstimateView {
    return this.scoring.estimate(dto);
  }
}
