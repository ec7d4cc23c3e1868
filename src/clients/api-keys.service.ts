import { Injectable, Logger } from '@nestjs/common';
import { BoundedCache } from '../common/bounded-cache.js';
import { type ClientIdentity, ROOT_CLIENT_ID } from '../common/auth/auth.types.js';
import { hashToken, parseClientKey, safeEqual, sameDigest } from '../common/auth/tokens.js';
import { AppConfig } from '../config/app-config.service.js';
import { ApiClientsRepository, type KeyRecord } from './api-clients.repository.js';

/** How long a key's record is trusted before Postgres is asked again: a deleted client is refused within this. */
export const KEY_RECHECK_MS = 1_000;
/** A key's last use is written at most this often. */
const LAST_USED_WRITE_MS = 60_000;
/** Records of this many keys are kept per process; past it the least recently used go (re-read when used). */
const KNOWN_KEYS = 10_000;

const ROOT: ClientIdentity = Object.freeze({ id: ROOT_CLIENT_ID, scopes: Object.freeze(['admin'] as const), bankIds: Object.freeze([]) });

/**
 * Verifies `x-api-key` values: ADMIN_API_KEY is the root client; any other key is `cat_<prefix>_<secret>`, found by
 * its prefix and compared by the SHA-256 of its secret, in constant time. Records are kept for a second.
 */
@Injectable()
export class ApiKeys {
  private readonly logger = new Logger(ApiKeys.name);
  private readonly rootKey: string;
  private readonly known = new BoundedCache<string, { record: KeyRecord | null; checkedAt: number }>({ maxEntries: KNOWN_KEYS });
  private readonly lastUsedWritten = new BoundedCache<string, number>({ maxEntries: KNOWN_KEYS });

  constructor(
    private readonly clients: ApiClientsRepository,
    config: AppConfig,
  ) {
    this.rootKey = config.get('ADMIN_API_KEY');
  }

  /** The client the key belongs to, or null when it opens nothing (unknown, wrong, expired, or its client deleted). */
  async verify(presented: string): Promise<ClientIdentity | null> {
    if (safeEqual(presented, this.rootKey)) return ROOT;
    const parsed = parseClientKey(presented);
    if (!parsed) return null;
    const record = await this.recordOf(parsed.prefix);
    if (!record || record.revoked || (record.expiresAt && record.expiresAt.getTime() <= Date.now())) return null;
    if (!sameDigest(hashToken(parsed.secret), record.secretHash)) return null;
    this.noteUse(parsed.prefix);
    return { id: record.clientId, scopes: record.scopes, bankIds: record.bankIds };
  }

  private async recordOf(prefix: string): Promise<KeyRecord | null> {
    const known = this.known.get(prefix);
    if (known && Date.now() - known.checkedAt < KEY_RECHECK_MS) return known.record;
    const record = await this.clients.findKey(prefix);
    this.known.set(prefix, { record, checkedAt: Date.now() });
    return record;
  }

  /** Records the key's last use, at most once a minute, off the request's path. */
  private noteUse(prefix: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(prefix) ?? 0) < LAST_USED_WRITE_MS) return;
    this.lastUsedWritten.set(prefix, now);
    this.clients.touchKey(prefix).catch((error: unknown) => {
      this.logger.warn(`Could not record a key's last use: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
