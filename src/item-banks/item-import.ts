import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compileSchema, STORABLE_TEXT } from '../common/http/json-schema.js';
import { type FieldProblem, validationFailed } from '../common/http/validation.js';
import { ITEM_MODELS, validateItemParameters } from '../irt/index.js';
import { MAX_THRESHOLDS } from '../irt/model.js';
import { MAX_ITEMS_PER_IMPORT, type NewItemDto } from './dto/item-bank.dto.js';
import type { NewItemRow } from './item-banks.repository.js';

/**
 * An import's validation, off the event loop's critical path: the body's shape is checked with a compiled JSON
 * schema (not class-validator, which takes about a second for 10,000 items), item by item, yielding between chunks so
 * that other requests (health probes, answers) are served in between.
 */

/** Items validated between two yields to the event loop (a few milliseconds of work). */
const ITEMS_PER_TURN = 250;
/** Problems reported for one import at most: enough to fix a file, bounded for a body of 10,000 bad items. */
export const MAX_REPORTED_PROBLEMS = 100;

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, format: STORABLE_TEXT });

/** As NewItemDto declares it (the OpenAPI document's version of the same rules). */
const itemProblems = compileSchema({
  type: 'object',
  additionalProperties: false,
  required: ['stem', 'options'],
  properties: {
    externalId: text(200),
    stem: text(20_000),
    options: {
      type: 'array',
      minItems: 2,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'text'],
        properties: { key: text(50), text: text(5_000), score: { type: 'integer', minimum: 0, maximum: MAX_THRESHOLDS } },
      },
    },
    correctKey: text(50),
    model: { enum: [...ITEM_MODELS] },
    a: { type: 'number' },
    b: { type: 'number' },
    c: { type: 'number' },
    d: { type: 'number' },
    thresholds: { type: 'array', minItems: 1, maxItems: MAX_THRESHOLDS, items: { type: 'number' } },
    contentArea: text(100),
    enemyGroup: text(100),
    pretest: { type: 'boolean' },
  },
});

const envelopeProblems = compileSchema({
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', minItems: 1, maxItems: MAX_ITEMS_PER_IMPORT } },
});

type ItemRules = Pick<NewItemRow, 'options' | 'model' | 'a' | 'b' | 'c' | 'd' | 'thresholds'> & { correctKey?: string | null };

/**
 * Rules that span fields: the model's parameters (the engine's ranges), unique option keys, and how options are
 * scored: a 4PL item names its right option in correctKey; a GRM, GPCM or PCM item with k thresholds gives every
 * option a score in 0..k, every score to at least one option, and has no correctKey.
 */
export function crossFieldProblems(item: ItemRules, prefix: string): FieldProblem[] {
  const problems = validateItemParameters({ ...item, thresholds: item.thresholds ?? undefined }).map((p) => ({ field: `${prefix}${p.field}`, message: p.message }));
  const add = (field: string, message: string) => problems.push({ field: `${prefix}${field}`, message });
  const keys = new Set<string>();
  item.options.forEach((option, k) => {
    if (keys.has(option.key)) add(`options.${k}.key`, `duplicate option key "${option.key}"`);
    keys.add(option.key);
  });
  const model = item.model ?? '4PL';
  if (model === '4PL') {
    if (item.correctKey == null) add('correctKey', 'is required for a 4PL item');
    else if (!keys.has(item.correctKey)) add('correctKey', 'must be one of the option keys');
    item.options.forEach((option, k) => {
      if (option.score !== undefined) add(`options.${k}.score`, 'applies to GRM, GPCM and PCM items only (a 4PL item has a correctKey)');
    });
    return problems;
  }
  if (item.correctKey != null) add('correctKey', `does not apply to ${model} items (their options carry scores)`);
  const top = item.thresholds?.length ?? 0;
  const given = new Set<number>();
  item.options.forEach((option, k) => {
    if (option.score === undefined) add(`options.${k}.score`, `is required for ${model} items`);
    else if (option.score > top) add(`options.${k}.score`, `must be at most ${top} (the number of thresholds)`);
    else given.add(option.score);
  });
  const missing = Array.from({ length: top + 1 }, (_, score) => score).filter((score) => !given.has(score));
  if (top > 0 && missing.length > 0 && given.size > 0) add('options', `must give every score from 0 to ${top} (missing ${missing.join(', ')})`);
  return problems;
}

/** Duplicate externalIds within one import. */
function duplicateExternalIds(items: readonly NewItemRow[]): FieldProblem[] {
  const firstIndexOf = new Map<string, number>();
  const problems: FieldProblem[] = [];
  items.forEach((item, i) => {
    const first = firstIndexOf.get(item.externalId);
    if (first !== undefined) problems.push({ field: `items.${i}.externalId`, message: `duplicates items.${first}.externalId` });
    else firstIndexOf.set(item.externalId, i);
  });
  return problems;
}

/**
 * The items of a valid import body, each with its new id (and that id as its externalId when it has none: unique by
 * construction); otherwise VALIDATION_FAILED with (at most MAX_REPORTED_PROBLEMS) problems.
 */
export async function validImport(body: unknown): Promise<NewItemRow[]> {
  const envelope = envelopeProblems(body);
  if (envelope.length > 0) throw validationFailed(envelope);
  const items = (body as { items: unknown[] }).items;
  const rows: NewItemRow[] = [];
  const problems: FieldProblem[] = [];
  for (let start = 0; start < items.length && problems.length < MAX_REPORTED_PROBLEMS; start += ITEMS_PER_TURN) {
    // Every chunk in a turn of its own, the first too: parsing the body took the turn before it.
    await nextTurn();
    const end = Math.min(items.length, start + ITEMS_PER_TURN);
    for (let i = start; i < end; i++) {
      const shape = itemProblems(items[i], `items.${i}`);
      problems.push(...(shape.length > 0 ? shape : crossFieldProblems(items[i] as NewItemDto, `items.${i}.`)));
      if (problems.length > 0) continue;
      // The parsed item itself becomes the row (no copy of 10,000 objects while the body is still held).
      const item = items[i] as NewItemDto & Partial<NewItemRow>;
      const id = randomUUID();
      item.id = id;
      item.externalId ??= id;
      rows.push(item as NewItemRow);
    }
  }
  if (problems.length === 0) problems.push(...duplicateExternalIds(rows));
  if (problems.length > 0) throw validationFailed(problems.slice(0, MAX_REPORTED_PROBLEMS));
  return rows;
}
