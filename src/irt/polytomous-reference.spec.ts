import { referenceFile } from '../../test/support/irt-reference.js';
import { ESTIMATORS } from '../../test/support/polytomous-fixtures.js';
import type { ItemModel } from './bank-snapshot.js';
import { createBankSnapshot } from './create-bank-snapshot.js';
import type { EstimatorName } from './estimators.js';
import { estimateFromItemParameters } from './exam.js';
import { categoryProbabilities, itemInformation } from './polytomous.js';

interface ReferenceItem {
  model: ItemModel;
  a?: number;
  b?: number;
  c?: number;
  d?: number;
  thresholds?: number[];
}

interface EstimationCase {
  id: string;
  items: ReferenceItem[];
  responses: number[];
  estimator: EstimatorName;
  prior: { mean: number; sd: number } | null;
  thetaRange: [number, number];
  quadraturePoints: number | null;
  expected: { theta: number; se: number };
  tol: { theta: number; se: number };
  note?: string;
}

interface ItemCase {
  id: string;
  item: ReferenceItem;
  theta: number;
  expected: { probabilities: number[]; information: number };
  tol: { probabilities: number; information: number };
}

interface PolytomousReference {
  meta: { counts: { estimation: number; item: number } };
  estimationCases: EstimationCase[];
  itemCases: ItemCase[];
}

const reference = referenceFile<PolytomousReference>('polytomous-cases.json');

function estimateCase(c: EstimationCase) {
  return estimateFromItemParameters(c.items, c.responses, {
    estimator: c.estimator,
    thetaRange: c.thetaRange,
    quadraturePoints: c.quadraturePoints ?? undefined,
    prior: c.prior ?? undefined,
  });
}

describe('polytomous reference cases (catR 3.17, test/fixtures/irt-reference/polytomous-cases.json)', () => {
  it('should hold every case: 60 estimation cases over the four estimators and 30 item cases', () => {
    expect(reference.estimationCases).toHaveLength(reference.meta.counts.estimation);
    expect(reference.itemCases).toHaveLength(reference.meta.counts.item);
    expect(reference.estimationCases).toHaveLength(60);
    expect(reference.itemCases).toHaveLength(30);
    expect(new Set(reference.estimationCases.map((c) => c.estimator))).toEqual(new Set(ESTIMATORS));
  });

  it.each(reference.itemCases.map((c) => [`${c.id} ${c.item.model} θ=${c.theta}`, c] as const))(
    'should reproduce the category probabilities and information of item case %s',
    (_, c) => {
      const bank = createBankSnapshot([c.item]);
      const probabilities = categoryProbabilities(bank, 0, c.theta);
      expect(probabilities).toHaveLength(c.expected.probabilities.length);
      c.expected.probabilities.forEach((expected, x) => {
        expect(Math.abs(probabilities[x] - expected)).toBeLessThanOrEqual(c.tol.probabilities);
      });
      expect(Math.abs(itemInformation(bank, 0, c.theta) - c.expected.information)).toBeLessThanOrEqual(c.tol.information);
    },
  );

  it.each(reference.estimationCases.map((c) => [`${c.id} ${c.estimator} (${[...new Set(c.items.map((i) => i.model))].join('+')}, ${c.items.length} items)`, c] as const))(
    'should reproduce θ and SE of estimation case %s',
    (_, c) => {
      const result = estimateCase(c);
      expect(result.estimatorUsed).toBe(c.estimator);
      expect(Math.abs(result.theta - c.expected.theta)).toBeLessThanOrEqual(c.tol.theta);
      expect(Math.abs(result.se - c.expected.se)).toBeLessThanOrEqual(c.tol.se);
    },
  );
});
