import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard } from '../common/auth/admin-api-key.guard.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AdminService } from './admin.service.js';
import { CleanupView, StatsView } from './dto/stats.views.js';

/** Operations: this instance's figures, and the expiry sweep on demand. */
@ApiTags('admin')
@ApiSecurity('admin-key')
@Controller('v1/admin')
@UseGuards(AdminApiKeyGuard)
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('stats')
  @ApiOperation({ summary: 'Active sessions, locks, Redis and the bank snapshots in memory' })
  @ApiErrors(ErrorCode.UNAUTHORIZED)
  @ApiOkResponse({ type: StatsView })
  stats(): Promise<StatsView> {
    return this.admin.stats();
  }

  @Post('sessions/cleanup')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run the expiry sweep now' })
  @ApiErrors(ErrorCode.UNAUTHORIZED)
  @ApiOkResponse({ type: CleanupView })
  async cleanup(): Promise<CleanupView> {
    return { expired: await this.admin.cleanup() };
  }
}
