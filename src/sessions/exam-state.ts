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
  /** Answered items in order. */
  history: { itemIndex: number; correct: boolean }[];
}

const HEADER_BYTES = 24;
const NO_ITEM = -1;

/**
 * Binary layout (big-endian): version u32 | theta f64 | se f64 | current i32 | per answer u32 (ordinal << 1 | correct).
 * The version comes first so the Lua compare-and-set can read it with `string.byte` (see hot-state.store.ts).
 * 20 answers take 104 bytes.
 */
export function encodeExamState(state: ExamHotState): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + 4 * state.history.length);
  buffer.writeUInt32BE(state.version, 0);
  buffer.writeDoubleBE(state.theta, 4);
  buffer.writeDoubleBE(state.se, 12);
  buffer.writeInt32BE(state.currentItem ?? NO_ITEM, 20);
  state.history.forEach(({ itemIndex, correct }, k) => {
    buffer.writeUInt32BE(((itemIndex << 1) | (correct ? 1 : 0)) >>> 0, HEADER_BYTES + 4 * k);
  });
  return buffer;
}

/** Null for anything that is not a well-formed state (treated like a missing key: rebuilt from Postgres). */
export function decodeExamState(buffer: Buffer | null | undefined): ExamHotState | null {
  if (!buffer || buffer.length < HEADER_BYTES || (buffer.length - HEADER_BYTES) % 4 !== 0) return null;
  const current = buffer.readInt32BE(20);
  const history: ExamHotState['history'] = [];
  for (let offset = HEADER_BYTES; offset < buffer.length; offset += 4) {
    const packed = buffer.readUInt32BE(offset);
    history.push({ itemIndex: packed >>> 1, correct: (packed & 1) === 1 });
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
