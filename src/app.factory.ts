import 'reflect-metadata';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type ConnectionError, type FastifyError, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { errorBody, statusErrorBody } from './common/errors/api-exception.js';
import { ErrorCode } from './common/errors/error-code.js';
import { jsonSchemaOptions } from './common/http/json-schema.js';
import { setupOpenApi } from './common/http/openapi.js';
import { createValidationPipe } from './common/http/validation.js';
import { bindRequestLoggers, createRootLogger, PinoNestLogger } from './common/logging/pino-logger.js';
import { type Environment, loadEnvironment } from './config/environment.js';
import { serveDemoPages } from './demo/demo-pages.js';
import { configureEdge, edgeOptions, securityHeaders } from './edge/http-edge.js';
import { configureRateLimits, RateCounter } from './edge/rate-limits.js';
import { registerHttpMetrics, UNMATCHED_ROUTE } from './metrics/http-metrics.js';
import { MetricsService } from './metrics/metrics.service.js';
import { REDIS_CLIENT, type RedisClient } from './redis/redis.constants.js';

export interface CreateAppOptions {
  /** The "request completed" line per request; off in tests to keep their output readable. */
  requestLogging?: boolean;
}

/** Whether an app writes a line per request (see CreateAppOptions). */
const requestLineSwitches = new WeakMap<object, boolean>();

const CLIENT_ERRORS: Record<string, { statusCode: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { statusCode: 408, message: 'The request was not received in time' },
  HPE_HEADER_OVERFLOW: { statusCode: 431, message: 'Request headers are too large' },
};

/**
 * Requests Node's HTTP parser rejects (broken framing, garbage bytes, oversized headers) never reach Nest's
 * filter: they get the same error shape here, with the statuses Fastify's default handler uses.
 */
function clientErrorHandler(error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { statusCode, message } = CLIENT_ERRORS[error.code] ?? { statusCode: 400, message: 'Malformed HTTP request' };
  const body = JSON.stringify(statusErrorBody(statusCode, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

const FRAMEWORK_ERROR_MESSAGES: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long to be an id',
  FST_ERR_BAD_URL: 'The path is not valid URL encoding',
};

/**
 * The router rejects a path parameter too long for it, or not valid percent-encoding, before any route (so before
 * Nest's filter): a 400 VALIDATION_FAILED, as the UUID pipes would have answered.
 */
function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const body = errorBody(ErrorCode.VALIDATION_FAILED, FRAMEWORK_ERROR_MESSAGES[error.code] ?? 'Bad request');
  void reply.code(body.statusCode).send(body);
}

/**
 * The Fastify instance under Nest, with the edge's limits (body size, timeouts, trusted proxies, request ids) and the
 * process's one pino logger at the configured level (Nest and the services write through it too: `configureApp`).
 */
export function createFastifyAdapter(environment: Environment, options: CreateAppOptions = {}): FastifyAdapter {
  const adapter = new FastifyAdapter({
    ...jsonSchemaOptions,
    ...edgeOptions(environment),
    loggerInstance: createRootLogger(environment.LOG_LEVEL),
    // Close idle keep-alive sockets on shutdown while in-flight requests finish.
    forceCloseConnections: 'idle',
    clientErrorHandler,
    frameworkErrors,
    // Fastify's own drain-time 503 has another body shape; configureApp answers it with ours.
    return503OnClosing: false,
    // One line per request, written by the onResponse hook in configureApp (with the route pattern).
    logController: new LogController({ disableRequestLogging: true }),
  });
  requestLineSwitches.set(adapter.getInstance(), options.requestLogging !== false);
  return adapter;
}

/**
 * Nest's own body parsers stay off: Fastify's JSON parser takes `application/json` (strings straight into its safe
 * parser, a step less than Nest's buffer-based wrapper), and every other media type is a 415.
 */
export const NEST_APP_OPTIONS = { bodyParser: false } as const;

const drainSwitches = new WeakMap<NestFastifyApplication, () => void>();

/** From now on, turn every new request away with 503 SERVICE_UNAVAILABLE and `Connection: close` (SIGTERM). */
export function startDraining(app: NestFastifyApplication): void {
  drainSwitches.get(app)?.();
}

/**
 * The HTTP conventions every instance shares: the edge (security headers, CORS, JSON only, rate limits), validation,
 * the error shape, request ids, API docs, the browser demo. (main.ts owns signals.)
 */
export async function configureApp(app: NestFastifyApplication, environment: Environment): Promise<NestFastifyApplication> {
  const fastify = app.getHttpAdapter().getInstance();
  const rootLogger = fastify.log as Logger;
  app.useLogger(new PinoNestLogger(rootLogger));
  bindRequestLoggers(fastify);
  const logRequests = requestLineSwitches.get(fastify) !== false && rootLogger.isLevelEnabled('info');
  const metrics = app.get(MetricsService);
  let draining = false;
  drainSwitches.set(app, () => {
    draining = true;
  });
  const unavailable = errorBody(ErrorCode.SERVICE_UNAVAILABLE, 'This instance is shutting down, retry the request');
  const securityHeadersOf = securityHeaders();
  // Callback-style hooks: they run on every request, and an async hook costs a promise each time. These come before
  // the rate limits', so that a 429 carries the headers and the id too (the adapter answers CORS preflights earlier).
  fastify
    // Shutdown: requests already running finish; new ones (on kept-alive connections) are turned away.
    .addHook('preClose', (done) => {
      draining = true;
      done();
    })
    .addHook('onRequest', (request, reply, done) => {
      // Hand the request id back so a client can quote it when reporting a problem.
      void reply.headers(securityHeadersOf(request.url)).header('x-request-id', request.id);
      if (draining) return reply.code(unavailable.statusCode).header('connection', 'close').send(unavailable);
      done();
    });
  await configureEdge(app, environment);
  await configureRateLimits(app, environment, new RateCounter(app.get<RedisClient>(REDIS_CLIENT), metrics));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(metrics));
  registerHttpMetrics(fastify, metrics);
  fastify
    // Route pattern (not the raw URL: no ids or tokens), status and duration; the request id comes with request.log.
    .addHook('onResponse', (request, reply, done) => {
      if (logRequests) {
        const durationMs = Math.round(reply.elapsedTime * 100) / 100;
        request.log.info({ method: request.method, route: request.routeOptions.url ?? UNMATCHED_ROUTE, statusCode: reply.statusCode, durationMs }, 'request completed');
      }
      done();
    });
  setupOpenApi(app);
  await serveDemoPages(app);
  return app;
}

/** Builds the HTTP application exactly as production runs it (used by main.ts and the e2e tests). */
export async function createApp(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const environment = loadEnvironment();
  // Start-up logs wait in a buffer until the logger is installed at the configured level.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(environment), createFastifyAdapter(environment, options), {
    ...NEST_APP_OPTIONS,
    bufferLogs: true,
    abortOnError: false,
  });
  return configureApp(app, environment);
}
