import { decodeExamState, encodeExamState, examLockKey, examStateKey, type ExamHotState } from './exam-state.js';

describe('exam hot state codec', () => {
  const state: ExamHotState = {
    version: 4,
    theta: 0.123456789012345,
    se: 0.87654321,
    currentItem: 9_999,
    history: [
      { itemIndex: 0, score: 1 },
      { itemIndex: 4_000, score: 0 },
      { itemIndex: 77, score: 9 },
      { itemIndex: 268_435_455, score: 1 },
    ],
  };

  it('should round-trip every field bit for bit', () => {
    expect(decodeExamState(encodeExamState(state))).toEqual(state);
  });

  it('should encode a finished exam (no current item)', () => {
    const done = { ...state, currentItem: null };
    expect(decodeExamState(encodeExamState(done))).toEqual(done);
  });

  it('should keep 20 answers within 105 bytes', () => {
    const history = Array.from({ length: 20 }, (_, k) => ({ itemIndex: k * 37, score: k % 2 }));
    expect(encodeExamState({ ...state, version: 20, history }).length).toBe(105);
  });

  it('should read a state written in the earlier right/wrong layout (ordinal << 1 | correct, no format byte)', () => {
    const earlier = Buffer.alloc(24 + 8);
    earlier.writeUInt32BE(2, 0);
    earlier.writeDoubleBE(0.5, 4);
    earlier.writeDoubleBE(0.25, 12);
    earlier.writeInt32BE(7, 20);
    earlier.writeUInt32BE((4_000 << 1) | 1, 24);
    earlier.writeUInt32BE(3 << 1, 28);
    expect(decodeExamState(earlier)).toEqual({ version: 2, theta: 0.5, se: 0.25, currentItem: 7, history: [{ itemIndex: 4_000, score: 1 }, { itemIndex: 3, score: 0 }] });
  });

  it('should put the version first, big-endian, for the Lua compare-and-set', () => {
    expect(encodeExamState({ ...state, version: 0x01020300, history: [] }).subarray(0, 4)).toEqual(Buffer.from([1, 2, 3, 0]));
  });

  it('should reject malformed or inconsistent buffers', () => {
    expect(decodeExamState(null)).toBeNull();
    expect(decodeExamState(Buffer.alloc(10))).toBeNull();
    expect(decodeExamState(Buffer.concat([encodeExamState(state), Buffer.alloc(2)]))).toBeNull();
    expect(decodeExamState(encodeExamState({ ...state, version: 5 }))).toBeNull();
    const unknownFormat = encodeExamState(state);
    unknownFormat.writeUInt8(9, 24);
    expect(decodeExamState(unknownFormat)).toBeNull();
  });

  it('should share one hash tag between the keys of an exam', () => {
    const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    expect(tag(examStateKey('abc'))).toBe('exam:abc');
    expect(tag(examLockKey('abc'))).toBe(tag(examStateKey('abc')));
  });
});
