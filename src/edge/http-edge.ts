import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyHttpOptions, FastifyServerOptions } from 'fastify';
import { errorBody } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import type { Environment } from '../config/environment.js';

export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;
export const BODY_TOO_LARGE_MESSAGE = 'Request body is larger than the 5 MB limit';

/**
 * A body over the limit is still read (and thrown away) up to this size, so that a client that writes it all before
 * reading gets its 413 instead of a reset connection; a larger one is cut off.
 */
export const MAX_DISCARDED_BODY_BYTES = 4 * BODY_LIMIT_BYTES;

const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/** A caller's request id is kept only when it is short and plain; otherwise (or when absent) one is generated. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** `TRUST_PROXY` as Fastify takes it. */
function trustProxyOf(setting: string): FastifyServerOptions['trustProxy'] {
  if (setting === 'true') return true;
  if (setting === 'false') return false;
  // A hop count: Fastify takes a number, which its option type does not list.
  if (/^\d+$/.test(setting)) return Number(setting) as unknown as FastifyServerOptions['trustProxy'];
  return setting.split(',');
}

/** The Fastify options of the edge: body limit, client timeouts, which proxies to believe, request ids. */
export function edgeOptions(environment: Environment): FastifyHttpOptions<Server> {
  return {
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustProxyOf(environment.TRUST_PROXY),
    // A slow client (headers or body) is cut off; a fast one with a large import is not (the clock stops when the
    // request has been received).
    requestTimeout: environment.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: environment.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(environment.HTTP_HEADERS_TIMEOUT_MS, environment.HTTP_REQUEST_TIMEOUT_MS),
      // Node enforces both timeouts on this period (30 s by default): once a second, a slow client is cut off when
      // its time is up, not up to half a minute later.
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    },
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
  };
}

/** What helmet sets on pages: a CSP under which Swagger UI (/docs) and the demo pages run, no framing, same-origin resources. */
const PAGE_POLICY: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      // Swagger UI loads its scripts from this origin (no inline script) and sets inline styles.
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      // Served over plain HTTP too (behind a TLS-terminating proxy, or locally): never rewrite /docs' assets.
      upgradeInsecureRequests: null,
    },
  },
  frameguard: { action: 'deny' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
};

/**
 * What an API reply (JSON) carries: a policy that lets it load or run nothing and be framed nowhere, and no caching
 * anywhere (replies hold exam tokens, launch tokens, candidates' answers and abilities). Helmet's other headers
 * (cross-origin opener policy, origin-agent-cluster, DNS prefetch, IE and Flash switches) only act on documents.
 */
const API_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** Paths served as documents (Swagger UI, the demo pages and their assets); everything else is the JSON API. */
const PAGE_PATH = /^\/(docs|demo)([/?]|$)/;

/**
 * The security headers of a request's reply, by its URL: helmet's on pages, the API's own shorter set on the rest.
 * Computed once (they are the same on every reply; building helmet's middleware per request, as @fastify/helmet does,
 * costs several microseconds of every answer).
 */
export function securityHeaders(): (url: string) => Readonly<Record<string, string>> {
  const page: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (page[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete page[name.toLowerCase()],
  };
  helmet(PAGE_POLICY)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  const pageHeaders = Object.freeze(page);
  const apiHeaders = Object.freeze({ ...API_HEADERS });
  return (url) => (PAGE_PATH.test(url) ? pageHeaders : apiHeaders);
}

/**
 * The rest of the edge, on the app before its routes: CORS by allow-list, JSON as the only body type, the connection
 * cap, and a 413 that ordinary clients can read. (The security headers go out with every reply: see configureApp.)
 */
export async function configureEdge(app: NestFastifyApplication, environment: Environment): Promise<void> {
  const origins = environment.CORS_ORIGINS?.split(',') ?? [];
  if (origins.length > 0) {
    app.enableCors({ origin: origins, methods: ['GET', 'POST', 'PATCH', 'DELETE'], allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'x-request-id'], maxAge: 600 });
  }
  // JSON is the only body the API takes: plain text and forms are 415 (a cross-site HTML form cannot post here).
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser(['text/plain']);

  const server = app.getHttpServer() as Server;
  server.maxConnections = environment.HTTP_MAX_CONNECTIONS;
  refuseLargeBodiesBeforeContinue(server);
}

/**
 * A client that asks `Expect: 100-continue` for a body over the limit is refused before it sends it (Node would
 * otherwise invite the body with 100 Continue, then refuse it).
 */
function refuseLargeBodiesBeforeContinue(server: Server): void {
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (Number(request.headers['content-length']) > BODY_LIMIT_BYTES) {
      const body = JSON.stringify(errorBody(ErrorCode.PAYLOAD_TOO_LARGE, BODY_TOO_LARGE_MESSAGE));
      response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
      response.end(body);
      return;
    }
    response.writeContinue();
    server.emit('request', request, response);
  });
}

/**
 * For a 413 on a body that was not asked for with `Expect`, reading it to the end (up to MAX_DISCARDED_BODY_BYTES)
 * rather than closing at once: the client is still writing it, and a closed connection would reset under it before
 * it reads the answer. Node discards an unread body itself once the response is sent on a kept-alive connection.
 */
export function mayDrainRefusedBody(headers: IncomingMessage['headers']): boolean {
  return headers.expect === undefined && Number(headers['content-length']) <= MAX_DISCARDED_BODY_BYTES;
}
