import { type AnswerKey, decideAnswer, type JudgedState } from './answer-decision.js';

/** A three-item bank: ids i0..i2, options A/B/C, keys B, A, C. */
const key: AnswerKey = {
  ordinalOf: new Map([
    ['i0', 0],
    ['i1', 1],
    ['i2', 2],
  ]),
  optionKeys: [
    ['A', 'B', 'C'],
    ['A', 'B', 'C'],
    ['A', 'B', 'C'],
  ],
  correctKeys: ['B', 'A', 'C'],
  optionScores: [null, null, null],
};

/** Item 0 answered, item 2 being shown. */
const midway: JudgedState = { history: [{ itemIndex: 0 }], currentItem: 2, finished: false };

describe(decideAnswer.name, () => {
  describe('the item being shown', () => {
    it('should accept a correct answer', () => {
      expect(decideAnswer(midway, key, { itemId: 'i2', answer: 'C' })).toEqual({ kind: 'accept', ordinal: 2, score: 1, correct: true });
    });

    it('should score a polytomous item by the option chosen, full credit at its top score', () => {
      const likert: AnswerKey = { ...key, correctKeys: [null, null, null], optionScores: [null, null, new Map([['A', 0], ['B', 1], ['C', 2]])] };
      expect(decideAnswer(midway, likert, { itemId: 'i2', answer: 'B' })).toEqual({ kind: 'accept', ordinal: 2, score: 1, correct: false });
      expect(decideAnswer(midway, likert, { itemId: 'i2', answer: 'C' })).toEqual({ kind: 'accept', ordinal: 2, score: 2, correct: true });
    });

    it('should accept a wrong answer, scored wrong', () => {
      expect(decideAnswer(midway, key, { itemId: 'i2', answer: 'A' })).toEqual({ kind: 'accept', ordinal: 2, score: 0, correct: false });
    });

    it('should reject an answer that is not one of its options', () => {
      expect(decideAnswer(midway, key, { itemId: 'i2', answer: 'Z' })).toEqual({ kind: 'reject', reason: 'NOT_AN_OPTION' });
    });
  });

  describe('an item answered before', () => {
    it('should replay, whatever the answer (the replay compares it with the stored one)', () => {
      expect(decideAnswer(midway, key, { itemId: 'i0', answer: 'B' })).toEqual({ kind: 'replay' });
      expect(decideAnswer(midway, key, { itemId: 'i0', answer: 'Z' })).toEqual({ kind: 'replay' });
    });

    it('should replay even once the exam is finished', () => {
      expect(decideAnswer({ ...midway, currentItem: null, finished: true }, key, { itemId: 'i0', answer: 'B' })).toEqual({ kind: 'replay' });
    });
  });

  describe('any other item', () => {
    it('should reject an item of the bank that is not being shown', () => {
      expect(decideAnswer(midway, key, { itemId: 'i1', answer: 'A' })).toEqual({ kind: 'reject', reason: 'NOT_CURRENT_ITEM' });
    });

    it('should reject an item that is not in the bank', () => {
      expect(decideAnswer(midway, key, { itemId: 'elsewhere', answer: 'A' })).toEqual({ kind: 'reject', reason: 'NOT_CURRENT_ITEM' });
    });
  });

  describe('a finished exam', () => {
    it('should reject a new answer', () => {
      const finished: JudgedState = { history: [{ itemIndex: 0 }], currentItem: null, finished: true };
      expect(decideAnswer(finished, key, { itemId: 'i2', answer: 'C' })).toEqual({ kind: 'reject', reason: 'EXAM_FINISHED' });
    });

    it('should reject even the item still recorded as current (completed in Postgres, not yet in Redis)', () => {
      const completed: JudgedState = { history: [{ itemIndex: 0 }], currentItem: 2, finished: true };
      expect(decideAnswer(completed, key, { itemId: 'i2', answer: 'C' })).toEqual({ kind: 'reject', reason: 'EXAM_FINISHED' });
    });
  });
});
