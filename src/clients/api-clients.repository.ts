import { Injectable } from '@nestjs/common';
import type { Scope } from '../common/auth/auth.types.js';
import { PrismaService } from '../prisma/prisma.service.js';

export interface ClientRow {
  id: string;
  name: string;
  scopes: Scope[];
  bankIds: string[];
  createdAt: Date;
  revokedAt: Date | null;
  keys: { prefix: string; createdAt: Date; lastUsedAt: Date | null; expiresAt: Date | null }[];
}

/** A key as verification needs it, with its client. */
export interface KeyRecord {
  secretHash: string;
  expiresAt: Date | null;
  clientId: string;
  scopes: Scope[];
  bankIds: string[];
  revoked: boolean;
}

const KEY_LOOKUP = `
  SELECT k.secret_hash AS "secretHash", k.expires_at AS "expiresAt", c.id AS "clientId",
         COALESCE(c.scopes, '{}') AS "scopes", COALESCE(c.bank_ids, '{}')::text[] AS "bankIds", c.revoked_at IS NOT NULL AS "revoked"
    FROM api_client_key k JOIN api_client c ON c.id = k.client_id
   WHERE k.prefix = $1::varchar`;

const CLIENT_FIELDS = {
  id: true,
  name: true,
  scopes: true,
  bankIds: true,
  createdAt: true,
  revokedAt: true,
  keys: { select: { prefix: true, createdAt: true, lastUsedAt: true, expiresAt: true }, orderBy: { createdAt: 'asc' } },
} as const;

/** Postgres side of the platform clients and their keys. */
@Injectable()
export class ApiClientsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(client: { name: string; scopes: Scope[]; bankIds: string[] }, key: { prefix: string; secretHash: string }): Promise<ClientRow> {
    const row = await this.prisma.apiClient.create({
      data: { ...client, keys: { create: { prefix: key.prefix, secretHash: key.secretHash } } },
      select: CLIENT_FIELDS,
    });
    return row as ClientRow;
  }

  async list(): Promise<ClientRow[]> {
    return (await this.prisma.apiClient.findMany({ orderBy: { createdAt: 'asc' }, select: CLIENT_FIELDS })) as ClientRow[];
  }

  /**
   * A new key for a live client, in one transaction with the end of its current keys' validity (they keep working
   * for `graceSeconds`). False when there is no such client, or it was deleted.
   */
  async rotate(clientId: string, key: { prefix: string; secretHash: string }, graceSeconds: number): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const live = await tx.apiClient.findFirst({ where: { id: clientId, revokedAt: null }, select: { id: true } });
      if (!live) return false;
      await tx.$executeRaw`
        UPDATE api_client_key SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => ${graceSeconds}))
         WHERE client_id = ${clientId}::uuid`;
      await tx.apiClientKey.create({ data: { clientId, prefix: key.prefix, secretHash: key.secretHash } });
      return true;
    });
  }

  /** Revokes a client: every key refused from now on. False when there was no live client. */
  async revoke(clientId: string): Promise<boolean> {
    const { count } = await this.prisma.apiClient.updateMany({ where: { id: clientId, revokedAt: null }, data: { revokedAt: new Date() } });
    return count === 1;
  }

  async findKey(prefix: string): Promise<KeyRecord | null> {
    return (await this.prisma.preparedStatement<KeyRecord>('client-key-lookup', KEY_LOOKUP, [prefix])).rows[0] ?? null;
  }

  async touchKey(prefix: string): Promise<void> {
    await this.prisma.preparedStatement('client-key-touch', 'UPDATE api_client_key SET last_used_at = now() WHERE prefix = $1::varchar', [prefix]);
  }
}
