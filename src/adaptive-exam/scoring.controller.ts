import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard } from '../common/auth/admin-api-key.guard.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { EstimateDto } from './dto/estimate.dto.js';
import { EstimateView } from './dto/exam.views.js';
import { ScoringService } from './scoring.service.js';

@ApiTags('scoring')
@ApiSecurity('admin-key')
@Controller('v1')
@UseGuards(AdminApiKeyGuard)
export class ScoringController {
  constructor(private readonly scoring: ScoringService) {}

  @Post('estimate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stateless scoring: θ and SE of a response pattern' })
  @ApiErrors(ErrorCode.UNAUTHORIZED)
  @ApiOkResponse({ type: EstimateView })
  estimate(@Body() dto: EstimateDto): EstimateView {
    return this.scoring.estimate(dto);
  }
}
