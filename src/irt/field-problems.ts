/** One invalid input field, e.g. `{ field: 'items.3.a', message: 'must be a finite number > 0' }` (dotted path). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Reports one problem (validators collect them into a `FieldProblem[]`). */
export type AddProblem = (field: string, message: string) => void;

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
