import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type { LogLevel } from '../../config/environment.js';

/**
 * One log for the whole process: the pino instance Fastify writes its request lines with is the one Nest and the
 * services write through, so every line on stdout is the same JSON (`level` as a word, `time` in ms, `msg`), and a
 * line written while a request is being served carries that request's `reqId`.
 *
 * nestjs-pino does the same through a middleware and a process-wide root logger; this is the same idea on Fastify's
 * own hook, with a logger per application (tests run several, at different levels, in one process).
 */
export function createRootLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: level as LevelWithSilent,
      // Words, not pino's numbers: what log pipelines and people filter on.
      formatters: { level: (label) => ({ level: label }) },
      // Credentials never reach the logs, whatever a caller passes in.
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'headers["x-api-key"]'],
    },
    destination,
  );
}

/**
 * The logger of the request being served, if any (set for the whole of its handling, awaits included). On Node 20
 * this costs a promise hook per promise, about 8-10 % of answer throughput (docs/benchmarks.md); on Node 24, the
 * image's runtime, the async context frame carries it at next to no cost.
 */
const requestLogger = new AsyncLocalStorage<FastifyBaseLogger>();

/**
 * Runs `log` as no request's: for handlers of connection events (a socket opened while serving a request keeps that
 * request's context, and its later errors have nothing to do with it).
 */
export function outsideRequest(log: () => void): void {
  requestLogger.exit(log);
}

/** From `onRequest` on, everything a request's handling logs goes through its child logger (with `reqId`). */
export function bindRequestLoggers(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => requestLogger.run(request.log, done));
}

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Nest's LoggerService on the root logger: `context` (the class that logs) becomes a field, errors keep their stack. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    // Nest's signature is (message, stack?, context?): a string before the context, or a lone one that reads like a
    // stack trace, is a stack.
    const looksLikeStack = (value: unknown) => typeof value === 'string' && /\n\s+at /.test(value);
    const stack = (rest.length >= 2 && typeof rest[0] === 'string') || (rest.length === 1 && looksLikeStack(rest[0])) ? (rest.shift() as string) : undefined;
    this.write('error', message, rest, stack);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(method: PinoMethod, message: unknown, rest: unknown[], stack?: string): void {
    const logger = requestLogger.getStore() ?? this.root;
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.err = message;
      logger[method](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[method]({ ...fields, ...message });
    } else {
      logger[method](fields, String(message));
    }
  }
}
