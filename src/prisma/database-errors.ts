import { Prisma } from '@prisma/client';

// Prisma codes meaning "could not reach or use the database", not "the query was wrong".
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// Socket errors and Postgres SQLSTATEs for a server that is gone, starting, shutting down or full.
const UNAVAILABLE_DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  '53300',
]);
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connect ECONNREFUSED',
  "Can't reach database server",
  'DatabaseNotReachable',
  'Client has encountered a connection error',
];

/** True when an error means Postgres is unreachable or unusable right now (answer 503, not 500). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError && UNAVAILABLE_PRISMA_CODES.has(error.code)) {
    return true;
  }
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown; kind?: unknown };
    if (typeof candidate.code === 'string' && UNAVAILABLE_DRIVER_CODES.has(candidate.code)) return true;
    if (candidate.kind === 'DatabaseNotReachable') return true;
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (UNAVAILABLE_MESSAGES.some((fragment) => message.includes(fragment))) return true;
    current = candidate.cause;
  }
  return false;
}

const UNIQUE_VIOLATION = '23505';

/**
 * True when a unique constraint refused a write, whichever path the statement took: Prisma's client (P2002, or
 * the adapter's error in `meta`) or a prepared statement on the pg pool (SQLSTATE in `code`).
 */
export function isUniqueViolation(error: unknown): boolean {
  if ((error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) return true;
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const meta = error.meta as { code?: string; driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } | undefined;
  const cause = meta?.driverAdapterError?.cause;
  return meta?.code === UNIQUE_VIOLATION || cause?.originalCode === UNIQUE_VIOLATION || cause?.kind === 'UniqueConstraintViolation';
}
