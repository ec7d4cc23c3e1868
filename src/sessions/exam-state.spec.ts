import { decodeExamState, encodeExamState, examLockKey, examStateKey, type ExamHotState } from './exam-state.js';

describe('exam hot state codec', () => {
  const state: ExamHotState = {
    version: 3,
    theta: 0.123456789012345,
    se: 0.87654321,
    currentItem: 9_999,
    history: [
      { itemIndex: 0, correct: true },
      { itemIndex: 4_000, correct: false },
      { itemIndex: 1_073_741_823, correct: true },
    ],
  };

  it('should round-trip every field bit for bit', () => {
    expect(decodeExamState(encodeExamState(state))).toEqual(state);
  });

  it('should encode a finished exam (no current item)', () => {
    const done = { ...state, currentItem: null };
    expect(decodeExamState(encodeExamState(done))).toEqual(done);
  });

  it('should keep 20 answers within 104 bytes', () => {
    const history = Array.from({ length: 20 }, (_, k) => ({ itemIndex: k * 37, correct: k % 2 === 0 }));
    expect(encodeExamState({ ...state, version: 20, history }).length).toBe(104);
  });

  it('should put the version first, big-endian, for the Lua compare-and-set', () => {
    expect(encodeExamState({ ...state, version: 0x01020300, history: [] }).subarray(0, 4)).toEqual(Buffer.from([1, 2, 3, 0]));
  });

  it('should reject malformed or inconsistent buffers', () => {
    expect(decodeExamState(null)).toBeNull();
    expect(decodeExamState(Buffer.alloc(10))).toBeNull();
    expect(decodeExamState(Buffer.concat([encodeExamState(state), Buffer.alloc(2)]))).toBeNull();
    expect(decodeExamState(encodeExamState({ ...state, version: 5 }))).toBeNull();
  });

  it('should share one hash tag between the keys of an exam', () => {
    const tag = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];
    expect(tag(examStateKey('abc'))).toBe('exam:abc');
    expect(tag(examLockKey('abc'))).toBe(tag(examStateKey('abc')));
  });
});
