import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AdminService } from './admin.service.js';
import { CleanupView, PurgeView, StatsView } from './dto/stats.views.js';

/** Operations: this instance's figures, and the expiry sweep and retention purge on demand. */
@ApiTags('admin')
@Controller('v1/admin')
@Auth({ key: ['admin'] })
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('stats')
  @ApiOperation({ operationId: 'getAdminStats', summary: 'Active sessions, locks, Redis and the bank snapshots in memory' })
  @ApiErrors(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)
  @ApiOkResponse({ type: StatsView })
  stats(): Promise<StatsView> {
    return this.admin.stats();
  }

  @Post('sessions/cleanup')
  @HttpCode(200)
  @ApiOperation({ operationId: 'runSessionCleanup', summary: 'Run the expiry sweep now' })
  @ApiErrors(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN)
  @ApiOkResponse({ type: CleanupView })
  async cleanup(): Promise<CleanupView> {
    return { expired: await this.admin.cleanup() };
  }

  @Post('retention/purge')
  @HttpCode(200)
  @ApiOperation({ operationId: 'runRetentionPurge', summary: 'Run the retention purge now (RETENTION_DAYS); 409 while another instance runs it' })
  @ApiErrors(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.CONFLICT)
  @ApiOkResponse({ type: PurgeView })
  purge(): Promise<PurgeView> {
    return this.admin.purge();
  }
}
