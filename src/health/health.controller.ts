import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../common/auth/auth.decorator.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ApiErrorResponse } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { DatabaseHealthIndicator } from './database.health.js';
import { RedisHealthIndicator } from './redis.health.js';

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** Liveness: the process answers. Touches no dependency, so a database outage never restarts pods. */
  @Get('live')
  @ApiOperation({ operationId: 'checkLiveness' })
  // Above @HealthCheck(), whose 503 it replaces: what a draining instance answers is the service's error shape.
  @ApiErrorResponse(503, [ErrorCode.SERVICE_UNAVAILABLE])
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Readiness: Postgres must answer (503 otherwise); Redis is reported, and only degrades. */
  @Get('ready')
  @ApiOperation({ operationId: 'checkReadiness' })
  // Above @HealthCheck(), whose 503 it replaces: the failed check comes in the error shape, its report in `details`.
  @ApiErrorResponse(503, [ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.SERVICE_UNAVAILABLE])
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.check('database'), () => this.redis.check('redis')]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        throw new ApiException(ErrorCode.DATABASE_UNAVAILABLE, 'Not ready: the database is unreachable', error.getResponse());
      }
      throw error;
    }
  }
}
