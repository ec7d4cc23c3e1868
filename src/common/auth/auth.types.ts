import type { FastifyRequest } from 'fastify';
import { ApiException } from '../errors/api-exception.js';
import { ErrorCode } from '../errors/error-code.js';

/** What a client key may do. `admin` may do everything, on every bank, for every client. */
export const SCOPES = ['admin', 'banks:write', 'banks:read', 'exams:launch', 'exams:custom', 'results:read'] as const;
export type Scope = (typeof SCOPES)[number];

/** The root client: ADMIN_API_KEY, and the owner of exams started before clients existed. */
export const ROOT_CLIENT_ID = '00000000-0000-0000-0000-000000000000';

/** A platform client as a request presents it. */
export interface ClientIdentity {
  id: string;
  scopes: readonly Scope[];
  /** Banks it may use; empty: every bank. */
  bankIds: readonly string[];
}

/** Who is calling, as established by the AuthGuard. */
export type Caller =
  | { kind: 'client'; client: ClientIdentity }
  | { kind: 'exam'; tokenHash: string }
  /** No credential, on a route that takes one in its body (a launch token). */
  | { kind: 'anonymous' };

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };

export function hasScope(client: ClientIdentity, scope: Scope): boolean {
  return client.scopes.includes('admin') || client.scopes.includes(scope);
}

export function mayUseBank(client: ClientIdentity, bankId: string): boolean {
  return client.scopes.includes('admin') || client.bankIds.length === 0 || client.bankIds.includes(bankId);
}

/** The client a caller acts for (exam and anonymous callers act for none). */
export function clientOf(caller: Caller): ClientIdentity | null {
  return caller.kind === 'client' ? caller.client : null;
}

/**
 * Refuses (403) a client whose allow-list does not hold the bank. Callers without a client (an exam token) are
 * checked by their exam instead.
 */
export function assertBankAllowed(caller: Caller, bankId: string): void {
  const client = clientOf(caller);
  if (client && !mayUseBank(client, bankId)) throw new ApiException(ErrorCode.FORBIDDEN, 'This key may not use that item bank');
}
