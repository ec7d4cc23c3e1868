/**
 * The compact hot state of one active exam, as kept in Redis. Items are referred to by their ordinal in the
 * bank (small integers), never by id, and nothing here reveals a correct key or item content.
 */
export interface ExamHotState {
  /** Postgres `exam_session.version` this state reflects (== answered). */
  version: number;
  theta: number;
  se: number;
  /** Ordinal of the item being shown, null when none. */
  currentItem: number | null;
  /** Answered items in order, with the score each answer earned (1/0 for a 4PL item, 0..k for a polytomous one). */
  history: { itemIndex: number; score: number }[];
}

/** Version, θ, SE and the current item; the layout's own format byte follows. */
const HEADER_BYTES = 24;
/** Format byte of the score layout. States written before it had none (their length is 24 + 4n, this one 25 + 4n). */
const SCORES_FORMAT = 2;
const NO_ITEM = -1;
const SCORE_BITS = 4;
const SCORE_MASK = (1 << SCORE_BITS) - 1;

/**
 * Binary layout (big-endian): version u32 | theta f64 | se f64 | current i32 | format u8 (2) | per answer u32
 * (ordinal << 4 | score). The version comes first so the Lua compare-and-set can read it with `string.byte` (see
 * hot-state.store.ts). 20 answers take 105 bytes. States of the earlier layout (no format byte, ordinal << 1 | correct)
 * are still read: an upgrade keeps the running exams' hot states.
 */
export function encodeExamState(state: ExamHotState): Buffer {
  const body = HEADER_BYTES + 1;
  const buffer = Buffer.allocUnsafe(body + 4 * state.history.length);
  buffer.writeUInt32BE(state.version, 0);
  buffer.writeDoubleBE(state.theta, 4);
  buffer.writeDoubleBE(state.se, 12);
  buffer.writeInt32BE(state.currentItem ?? NO_ITEM, 20);
  buffer.writeUInt8(SCORES_FORMAT, HEADER_BYTES);
  state.history.forEach(({ itemIndex, score }, k) => {
    buffer.writeUInt32BE(((itemIndex << SCORE_BITS) | score) >>> 0, body + 4 * k);
  });
  return buffer;
}

/** Null for anything that is not a well-formed state (treated like a missing key: rebuilt from Postgres). */
export function decodeExamState(buffer: Buffer | null | undefined): ExamHotState | null {
  if (!buffer || buffer.length < HEADER_BYTES) return null;
  const scored = (buffer.length - HEADER_BYTES) % 4 === 1 && buffer.readUInt8(HEADER_BYTES) === SCORES_FORMAT;
  if (!scored && (buffer.length - HEADER_BYTES) % 4 !== 0) return null;
  const current = buffer.readInt32BE(20);
  const history: ExamHotState['history'] = [];
  for (let offset = HEADER_BYTES + (scored ? 1 : 0); offset < buffer.length; offset += 4) {
    const packed = buffer.readUInt32BE(offset);
    history.push(scored ? { itemIndex: packed >>> SCORE_BITS, score: packed & SCORE_MASK } : { itemIndex: packed >>> 1, score: packed & 1 });
  }
  const state: ExamHotState = {
    version: buffer.readUInt32BE(0),
    theta: buffer.readDoubleBE(4),
    se: buffer.readDoubleBE(12),
    currentItem: current === NO_ITEM ? null : current,
    history,
  };
  // version == answered is an invariant of the store: a state that breaks it is not trusted.
  return state.version === history.length ? state : null;
}

/** The keys of one exam share the `{exam:<id>}` hash tag: one cluster slot, so Lua may touch both. */
export const examStateKey = (examId: string): string => `{exam:${examId}}:state`;
export const examLockKey = (examId: string): string => `{exam:${examId}}:lock`;
