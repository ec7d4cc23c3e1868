import type { Item } from '@prisma/client';
import type { ItemModel } from '../irt/index.js';
import type { OptionDto } from './dto/item-bank.dto.js';
import type { ReportingScale } from './reporting-scale.js';

/** The rows the item-bank repository takes and returns. */

/** One item of an import, ids assigned. */
export interface NewItemRow {
  id: string;
  externalId: string;
  stem: string;
  options: OptionDto[];
  /** A 4PL item's right option; a polytomous item has none. */
  correctKey?: string | null;
  model?: ItemModel;
  a?: number;
  b?: number;
  c?: number;
  d?: number;
  thresholds?: number[] | null;
  contentArea?: string;
  enemyGroup?: string;
  pretest?: boolean;
}

/** A bank as its routes show it. */
export interface BankRow {
  id: string;
  name: string;
  version: number;
  itemCount: number;
  reportingScale: ReportingScale | null;
}

export type ItemPatch = Partial<
  Pick<Item, 'externalId' | 'stem' | 'correctKey' | 'a' | 'b' | 'c' | 'd' | 'contentArea' | 'enabled' | 'thresholds' | 'enemyGroup' | 'pretest'>
> & {
  options?: OptionDto[];
  model?: ItemModel;
};


/** An item's model and IRT parameters as its row carries them, whichever table the row comes from. */
export interface ItemParameterColumns {
  model: ItemModel;
  /** A GRM/GPCM/PCM item's; null or empty for a 4PL item. */
  thresholds: number[] | null;
  a: number;
  b: number;
  c: number;
  d: number;
}

/** One version of an item as a pinned exam needs it (the items changed since its bank version). */
export interface PinnedItemRow extends ItemParameterColumns {
  ordinal: number;
  version: number;
  stem: string;
  options: OptionDto[];
  correctKey: string | null;
}

/** One version of an item, as GET /v1/items/:itemId/versions shows it. */
export interface ItemVersionRow extends Omit<PinnedItemRow, 'ordinal'> {
  bankVersion: number;
  createdAt: Date;
}

/** One item row as a bank snapshot is built from it. */
export interface SnapshotRow extends ItemParameterColumns {
  version: number;
  reportingScale: ReportingScale | null;
  id: string | null;
  ordinal: number | null;
  stem: string | null;
  options: OptionDto[] | null;
  correctKey: string | null;
  contentArea: string | null;
  enemyGroup: string | null;
  pretest: boolean;
  enabled: boolean;
  /** The item's current version. */
  itemVersion: number;
  /** Sympson–Hetter K, null when never computed. */
  exposureK: number | null;
}

export type InsertItemsResult =
  | { outcome: 'inserted'; bankVersion: number }
  /** Some externalIds already exist in the bank: nothing was inserted. */
  | { outcome: 'taken'; externalIds: Set<string> }
  | { outcome: 'no-bank' };
