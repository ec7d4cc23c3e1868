import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { UNMATCHED_ROUTE } from '../../metrics/http-metrics.js';
import { BODY_TOO_LARGE_MESSAGE, mayDrainRefusedBody } from '../../edge/http-edge.js';
import { isDatabaseUnavailable } from '../../prisma/database-errors.js';
import { ApiException, type ErrorBody, errorBody, statusErrorBody } from './api-exception.js';
import { ErrorCode } from './error-code.js';

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
    const body = toErrorBody(exception);
    if (body.code === ErrorCode.DATABASE_UNAVAILABLE) this.metrics?.postgresError();
    if (body.statusCode >= 500) {
      // The request id comes with the request's logger; the route pattern, not the raw URL (no ids in logs).
      const log = { method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, code: body.code };
      if (body.code === ErrorCode.INTERNAL_ERROR) {
        this.logger.error({ ...log, err: exception }, exception instanceof Error ? exception.stack : undefined);
      } else {
        this.logger.warn({ ...log, reason: exception instanceof Error ? exception.message : String(exception) });
      }
    }
    // A body refused unread (413, 415): a bounded rest is read and discarded, so that a client still writing it
    // reads the answer instead of a reset connection; past that bound, the connection closes.
    if (body.statusCode === 413 || body.statusCode === 415) {
      if (mayDrainRefusedBody(request.headers)) reply.removeHeader('connection');
      else reply.header('connection', 'close');
    }
    void reply.status(body.statusCode).send(body);
  }
}

/** The body any thrown value leaves as. */
export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof ApiException) return exception.body;
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isDatabaseUnavailable(exception)) return errorBody(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable, try again shortly');
  const framework = exception as FrameworkError | undefined;
  if (typeof framework?.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    return fromFrameworkError(framework);
  }
  return errorBody(ErrorCode.INTERNAL_ERROR, 'Internal server error');
}

function fromHttpException(exception: HttpException): ErrorBody {
  const statusCode = exception.getStatus();
  // Nest maps Fastify's body-limit error to an HttpException with Fastify's wording.
  if (statusCode === 413) return errorBody(ErrorCode.PAYLOAD_TOO_LARGE, BODY_TOO_LARGE_MESSAGE);
  const response = exception.getResponse();
  const message =
    typeof response === 'string'
      ? response
      : typeof (response as { message?: unknown }).message === 'string'
        ? (response as { message: string }).message
        : exception.message;
  return statusErrorBody(statusCode, statusCode >= 500 ? 'Service unavailable' : message);
}

function fromFrameworkError(error: FrameworkError): ErrorBody {
  const statusCode = error.statusCode ?? 400;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) {
    return errorBody(ErrorCode.PAYLOAD_TOO_LARGE, BODY_TOO_LARGE_MESSAGE);
  }
  if ((error.code && MALFORMED_BODY_CODES.has(error.code)) || error instanceof SyntaxError) {
    return errorBody(ErrorCode.VALIDATION_FAILED, `Malformed request body: ${error.message ?? 'invalid JSON'}`);
  }
  return statusErrorBody(statusCode, error.message ?? 'Bad request');
}
