import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';

/** Counts added by one instance since its last flush, as parallel arrays (one statement per table). */
export interface CountDeltas {
  banks: { bankIds: string[]; exams: number[] };
  items: { bankIds: string[]; ordinals: number[]; administrations: number[]; eligible: number[] };
}

/** A bank's durable totals: exams started, and per item (sparse) administrations and eligibility. */
export interface BankTotals {
  bankId: string;
  exams: number;
  ordinals: number[];
  administrations: number[];
  eligible: number[];
}

/** One row of the exposure report. */
export interface ItemExposureRow {
  itemId: string;
  externalId: string;
  ordinal: number;
  administrations: number;
  exposureK: number | null;
}

/**
 * Postgres side of exposure: the fleet's durable counts. Every instance adds its own counts about once a second, in
 * ascending key order (two instances' flushes can wait for each other, never deadlock), and reads the totals back.
 */
@Injectable()
export class ExposureRepository {
  constructor(private readonly prisma: PrismaService) {}

  async addCounts(deltas: CountDeltas): Promise<void> {
    await this.prisma.sqlTransaction(async (client) => {
      // A bank deleted meanwhile is skipped (its counts go with it).
      await client.query(
        `INSERT INTO bank_exposure (bank_id, exams)
         SELECT u.bank_id, u.exams FROM unnest($1::uuid[], $2::int[]) AS u(bank_id, exams)
          WHERE EXISTS (SELECT 1 FROM item_bank b WHERE b.id = u.bank_id) ORDER BY u.bank_id
         ON CONFLICT (bank_id) DO UPDATE SET exams = bank_exposure.exams + EXCLUDED.exams`,
        [deltas.banks.bankIds, deltas.banks.exams],
      );
      if (deltas.items.ordinals.length === 0) return;
      await client.query(
        `INSERT INTO item_exposure (bank_id, ordinal, administrations, eligible)
         SELECT u.bank_id, u.ordinal, u.administrations, u.eligible
           FROM unnest($1::uuid[], $2::int[], $3::int[], $4::int[]) AS u(bank_id, ordinal, administrations, eligible)
          WHERE EXISTS (SELECT 1 FROM item_bank b WHERE b.id = u.bank_id) ORDER BY u.bank_id, u.ordinal
         ON CONFLICT (bank_id, ordinal) DO UPDATE
            SET administrations = item_exposure.administrations + EXCLUDED.administrations,
                eligible = item_exposure.eligible + EXCLUDED.eligible`,
        [deltas.items.bankIds, deltas.items.ordinals, deltas.items.administrations, deltas.items.eligible],
      );
    });
  }

  /** The totals of some banks, one row per bank (zeros for a bank never counted). */
  async totals(bankIds: readonly string[]): Promise<BankTotals[]> {
    const { rows } = await this.prisma.preparedStatement<BankTotals>(
      'exposure-totals',
      `SELECT b.id AS "bankId", COALESCE(be.exams, 0) AS "exams", COALESCE(x.ordinals, '{}') AS "ordinals",
              COALESCE(x.administrations, '{}') AS "administrations", COALESCE(x.eligible, '{}') AS "eligible"
         FROM unnest($1::uuid[]) AS b(id)
         LEFT JOIN bank_exposure be ON be.bank_id = b.id
         LEFT JOIN LATERAL (
           SELECT array_agg(e.ordinal) AS ordinals, array_agg(e.administrations) AS administrations, array_agg(e.eligible) AS eligible
             FROM item_exposure e WHERE e.bank_id = b.id
         ) x ON true`,
      [bankIds],
    );
    return rows;
  }

  /** A page of a bank's items with their administrations and K, in ordinal order. */
  async itemPage(bankId: string, afterOrdinal: number, limit: number): Promise<ItemExposureRow[]> {
    const { rows } = await this.prisma.preparedStatement<ItemExposureRow>(
      'exposure-item-page',
      `SELECT i.id AS "itemId", i.external_id AS "externalId", i.ordinal, COALESCE(e.administrations, 0) AS "administrations",
              i.exposure_k AS "exposureK"
         FROM item i LEFT JOIN item_exposure e ON e.bank_id = i.bank_id AND e.ordinal = i.ordinal
        WHERE i.bank_id = $1::uuid AND i.ordinal > $2::int
        ORDER BY i.ordinal LIMIT $3::int`,
      [bankId, afterOrdinal, limit],
    );
    return rows;
  }

  /** Every item's administrations (0 for none) and the bank's exams started; null when there is no such bank. */
  async bankRates(bankId: string): Promise<{ exams: number; administrations: number[] } | null> {
    const { rows } = await this.prisma.preparedStatement<{ exams: number; administrations: number[] }>(
      'exposure-bank-rates',
      `SELECT COALESCE((SELECT exams FROM bank_exposure WHERE bank_id = b.id), 0) AS "exams",
              COALESCE((SELECT array_agg(COALESCE(e.administrations, 0) ORDER BY i.ordinal)
                          FROM item i LEFT JOIN item_exposure e ON e.bank_id = i.bank_id AND e.ordinal = i.ordinal
                         WHERE i.bank_id = b.id), '{}') AS "administrations"
         FROM item_bank b WHERE b.id = $1::uuid`,
      [bankId],
    );
    return rows[0] ?? null;
  }
}
