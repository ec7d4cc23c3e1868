import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import { CacheTier } from '../cache/cache-tiers.js';
import { PrismaService } from '../prisma/prisma.service.js';
import { BankSnapshotCache } from './bank-snapshot.cache.js';

/** An item as a candidate sees it: never the correct key, never the IRT parameters. */
export interface CandidateItem {
  id: string;
  stem: string;
  options: { key: string; text: string }[];
}

const CANDIDATE_FIELDS = { id: true, stem: true, options: true } as const;

/** The cache namespace of a bank's item content; bumping it (on every item change) retires its entries. */
export const itemContentNamespace = (bankId: string) => `bank:${bankId}`;

/**
 * The content of the item being shown, read through the cache (one indexed lookup on a miss). Entries are
 * keyed by bank version and ordinal, and hold only what a candidate may see.
 */
@Injectable()
export class ItemContentService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly cache: CacheService,
    private readonly snapshots: BankSnapshotCache,
  ) {}

  async byOrdinal(bankId: string, ordinal: number): Promise<CandidateItem | null> {
    const version = (await this.snapshots.get(bankId))?.version ?? 0; // in-process, re-checked each second
    return this.cache.getOrLoad(CacheTier.ITEM_CONTENT, itemContentNamespace(bankId), `${version}:${ordinal}`, async () => {
      const item = await this.prisma.item.findUnique({ where: { bankId_ordinal: { bankId, ordinal } }, select: CANDIDATE_FIELDS });
      return item && { id: item.id, stem: item.stem, options: item.options as unknown as CandidateItem['options'] };
    });
  }

  async byId(itemId: string): Promise<CandidateItem | null> {
    const item = await this.prisma.item.findUnique({ where: { id: itemId }, select: CANDIDATE_FIELDS });
    return item && { id: item.id, stem: item.stem, options: item.options as unknown as CandidateItem['options'] };
  }
}
