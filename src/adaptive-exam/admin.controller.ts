import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard } from '../common/auth/admin-api-key.guard.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AdminService } from './admin.service.js';
import { EstimateDto } from './dto/estimate.dto.js';
import { CleanupView, EstimateView, StatsView } from './dto/views.dto.js';
import { ScoringService } from './scoring.service.js';

@ApiTags('admin')
@ApiSecurity('admin-key')
@Controller('v1')
@UseGuards(AdminApiKeyGuard)
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly scoring: ScoringService,
  ) {}

  @Post('estimate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stateless scoring: θ and SE of a response pattern' })
  @ApiErrors(ErrorCode.UNAUTHORIZED)
  @ApiOkResponse({ type: EstimateView })
  estimate(@Body() dto: EstimateDto): EstimateView {
    return this.scoring.estimate(dto);
  }

  @Get('admin/stats')
  @ApiOperation({ summary: 'Active sessions, locks, Redis and cache figures' })
  @ApiErrors(ErrorCode.UNAUTHORIZED)
  @ApiOkResponse({ type: StatsView })
  stats(): Promise<StatsView> {
    return this.admin.stats();
  }

  @Post('admin/sessions/cleanup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the expiry sweep now' })
  @ApiErrors(ErrorCode.UNAUTHORIZED)
  @ApiOkResponse({ type: CleanupView })
  async cleanup(): Promise<CleanupView> {
    return { expired: await this.admin.cleanup() };
  }
}
