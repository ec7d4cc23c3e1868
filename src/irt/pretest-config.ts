/** Validation of an exam config's `pretest` (see pretest.ts for where pretest items go). */
import type { AddProblem } from './field-problems.js';
import { MAX_PRETEST_COUNT, MAX_PRETEST_POSITION, type PretestConfig } from './pretest.js';

export function validatePretest(pretest: PretestConfig, add: AddProblem): void {
  if (typeof pretest !== 'object' || pretest === null) {
    add('pretest', 'must be an object with count');
    return;
  }
  const { count, positions } = pretest;
  const countValid = Number.isInteger(count) && count >= 1 && count <= MAX_PRETEST_COUNT;
  if (!countValid) add('pretest.count', `must be an integer in [1, ${MAX_PRETEST_COUNT}]`);
  if (positions === undefined) return;
  if (!Array.isArray(positions) || (countValid && positions.length !== count) || positions.length > MAX_PRETEST_COUNT) {
    add('pretest.positions', 'must hold exactly pretest.count positions');
    return;
  }
  const seen = new Set<number>();
  for (let j = 0; j < positions.length; j++) {
    const position: unknown = positions[j];
    const field = `pretest.positions.${j}`;
    if (!Number.isInteger(position) || (position as number) < 1 || (position as number) > MAX_PRETEST_POSITION) {
      add(field, `must be an integer in [1, ${MAX_PRETEST_POSITION}]`);
    } else if (seen.has(position as number)) {
      add(field, 'must differ from the other positions');
    } else {
      seen.add(position as number);
    }
  }
}
