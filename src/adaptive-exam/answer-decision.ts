/**
 * What to do with a submitted answer, judged against the exam's state and its bank. A pure function: the
 * service supplies the state (from Redis or Postgres) and carries the decision out.
 */

/** The exam as the decision needs it. */
export interface JudgedState {
  /** Answered items in order (ordinals). */
  history: readonly { itemIndex: number }[];
  /** Ordinal of the item being shown, null when none. */
  currentItem: number | null;
  /** The exam takes no more answers. */
  finished: boolean;
}

/** The bank as the decision needs it. */
export interface AnswerKey {
  ordinalOf: ReadonlyMap<string, number>;
  optionKeys: readonly (readonly string[])[];
  /** A 4PL item's right option (null for a polytomous item). */
  correctKeys: readonly (string | null)[];
  /** A polytomous item's score per option key (null for a 4PL item). */
  optionScores: readonly (ReadonlyMap<string, number> | null)[];
}

export interface Submitted {
  itemId: string;
  answer: string;
}

export type RejectionReason = 'EXAM_FINISHED' | 'NOT_CURRENT_ITEM' | 'NOT_AN_OPTION';

export type AnswerDecision =
  /**
   * Record it: the item being shown, answered with one of its options, and the score that earned (1 or 0 for a 4PL
   * item; 0..k for a polytomous one), `correct` when it is full credit.
   */
  | { kind: 'accept'; ordinal: number; score: number; correct: boolean }
  /** The item was answered before: give back the original reply (or 409 if the answer differs). */
  | { kind: 'replay' }
  | { kind: 'reject'; reason: RejectionReason };

export function decideAnswer(state: JudgedState, key: AnswerKey, submitted: Submitted): AnswerDecision {
  const ordinal = key.ordinalOf.get(submitted.itemId);
  if (ordinal !== undefined && state.history.some((entry) => entry.itemIndex === ordinal)) return { kind: 'replay' };
  if (state.finished) return { kind: 'reject', reason: 'EXAM_FINISHED' };
  if (ordinal === undefined || ordinal !== state.currentItem) return { kind: 'reject', reason: 'NOT_CURRENT_ITEM' };
  if (!key.optionKeys[ordinal].includes(submitted.answer)) return { kind: 'reject', reason: 'NOT_AN_OPTION' };
  const scores = key.optionScores[ordinal];
  if (!scores) {
    const correct = submitted.answer === key.correctKeys[ordinal];
    return { kind: 'accept', ordinal, score: correct ? 1 : 0, correct };
  }
  const score = scores.get(submitted.answer)!;
  return { kind: 'accept', ordinal, score, correct: score === Math.max(...scores.values()) };
}
