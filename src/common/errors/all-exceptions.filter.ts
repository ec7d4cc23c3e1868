import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { isDatabaseUnavailable } from '../../prisma/database-errors.js';
import { ApiException, type ErrorBody } from './api-exception.js';
import { ErrorCode, errorCodeForStatus, HTTP_STATUS_OF } from './error-code.js';

/** Fastify's own request errors (body parsing, limits) carry a status and an FST_* code. */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
}

const MALFORMED_BODY_CODES = new Set([
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
]);

/** Turns every error into `{ statusCode, code, message, details? }`; unexpected ones become a bare 500. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly metrics?: MetricsService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const body = this.toBody(exception);
    if (body.code === ErrorCode.DATABASE_UNAVAILABLE) this.metrics?.postgresError();
    if (body.statusCode >= 500) {
      const log = { reqId: request.id, method: request.method, url: request.url, code: body.code };
      if (body.code === ErrorCode.INTERNAL_ERROR) {
        this.logger.error({ ...log, err: exception }, exception instanceof Error ? exception.stack : undefined);
      } else {
        this.logger.warn({ ...log, reason: exception instanceof Error ? exception.message : String(exception) });
      }
    }
    void reply.status(body.statusCode).send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof ApiException) {
      return exception.getResponse() as ErrorBody;
    }
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception);
    }
    if (isDatabaseUnavailable(exception)) {
      return this.body(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable, try again shortly');
    }
    const framework = exception as FrameworkError | undefined;
    if (typeof framework?.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
      return this.fromFrameworkError(framework);
    }
    return this.body(ErrorCode.INTERNAL_ERROR, 'Internal server error');
  }

  private fromHttpException(exception: HttpException): ErrorBody {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : exception.message;
    const code = errorCodeForStatus(statusCode);
    return { statusCode, code, message: statusCode >= 500 ? 'Service unavailable' : message };
  }

  private fromFrameworkError(error: FrameworkError): ErrorBody {
    const statusCode = error.statusCode ?? 400;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
      return this.body(ErrorCode.PAYLOAD_TOO_LARGE, 'Request body is larger than the 5 MB limit');
    }
    if ((error.code && MALFORMED_BODY_CODES.has(error.code)) || error instanceof SyntaxError) {
      return this.body(ErrorCode.VALIDATION_FAILED, `Malformed request body: ${error.message ?? 'invalid JSON'}`);
    }
    return { statusCode, code: errorCodeForStatus(statusCode), message: error.message ?? 'Bad request' };
  }

  private body(code: ErrorCode, message: string): ErrorBody {
    return { statusCode: HTTP_STATUS_OF[code], code, message };
  }
}
