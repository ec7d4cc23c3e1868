import type { FastifyRequest } from 'fastify';

/** Who is calling, as established by the guards. */
export type Caller = { kind: 'admin' } | { kind: 'exam'; tokenHash: string };

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };
