import { MAX_EXAM_CONFIG_BYTES, resolveExamConfig, validateExamConfig } from './exam-config.js';
import { estimateMap } from './estimators.js';
import { createBankSnapshot } from './create-bank-snapshot.js';

describe(resolveExamConfig.name, () => {
  it('should fill every default', () => {
    expect(resolveExamConfig()).toEqual({
      estimator: 'EAP',
      prior: { mean: 0, sd: 1 },
      thetaRange: [-4, 4],
      quadraturePoints: 61,
      startTheta: 0,
      selection: { rule: 'MFI', randomesque: 1, sympsonHetter: false },
      minItems: 1,
      maxItems: 20,
      seThreshold: 0.3,
    });
  });

  it('should default startTheta to the prior mean and keep given values', () => {
    const config = resolveExamConfig({
      prior: { mean: 0.5 },
      estimator: 'MLE',
      selection: { randomesque: 5, contentBalance: { algebra: 0.6 }, maxExposure: 0.2 },
      scalingConstant: 1.702,
    });
    expect(config.startTheta).toBe(0.5);
    expect(config.prior).toEqual({ mean: 0.5, sd: 1 });
    expect(config.selection).toEqual({ rule: 'MFI', randomesque: 5, sympsonHetter: false, contentBalance: { algebra: 0.6 }, maxExposure: 0.2 });
    expect(config.scalingConstant).toBe(1.702);
  });
});

describe(validateExamConfig.name, () => {
  it('should accept the defaults', () => {
    expect(validateExamConfig(resolveExamConfig())).toEqual([]);
  });

  it('should report every problem with its field', () => {
    const config = resolveExamConfig({
      prior: { sd: 0 },
      thetaRange: [2, 1],
      quadraturePoints: 4,
      minItems: 30,
      maxItems: 10,
      seThreshold: -1,
      selection: { randomesque: 1.5, contentBalance: { algebra: 1.2, geometry: 0.5 }, maxExposure: 0 },
      scalingConstant: -1,
    });
    const fields = validateExamConfig(config).map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'prior.sd',
        'thetaRange',
        'quadraturePoints',
        'minItems',
        'seThreshold',
        'selection.randomesque',
        'selection.contentBalance.algebra',
        'selection.maxExposure',
        'scalingConstant',
      ]),
    );
    for (const problem of validateExamConfig(config)) expect(problem.message.length).toBeGreaterThan(0);
  });

  it('should accept one exposure control, not both', () => {
    expect(validateExamConfig(resolveExamConfig({ selection: { sympsonHetter: true } }))).toEqual([]);
    expect(validateExamConfig(resolveExamConfig({ selection: { maxExposure: 0.25 } }))).toEqual([]);
    expect(validateExamConfig(resolveExamConfig({ selection: { sympsonHetter: true, maxExposure: 0.25 } }))).toEqual([
      { field: 'selection.sympsonHetter', message: 'cannot be combined with selection.maxExposure: choose one exposure control' },
    ]);
  });

  it('should bound quadraturePoints to [5, 501]', () => {
    expect(validateExamConfig(resolveExamConfig({ quadraturePoints: 5 }))).toEqual([]);
    expect(validateExamConfig(resolveExamConfig({ quadraturePoints: 501 }))).toEqual([]);
    expect(validateExamConfig(resolveExamConfig({ quadraturePoints: 502 })).map((p) => p.field)).toEqual(['quadraturePoints']);
  });

  it('should reject content proportions summing above 1 and a start θ outside the range', () => {
    const fields = validateExamConfig(
      resolveExamConfig({ startTheta: 5, selection: { contentBalance: { a: 0.7, b: 0.6 } } }),
    ).map((p) => p.field);
    expect(fields).toEqual(['startTheta', 'selection.contentBalance']);
  });

  it('should keep θ on the scale the estimators are built for: |θ| ≤ 20, prior SD ≥ 0.01', () => {
    const fields = (input: Parameters<typeof resolveExamConfig>[0]) => validateExamConfig(resolveExamConfig(input)).map((p) => p.field);
    expect(fields({ thetaRange: [-20, 20], prior: { mean: 20, sd: 0.01 }, startTheta: 0 })).toEqual([]);
    expect(fields({ thetaRange: [-1e300, 1e300], startTheta: 0 })).toEqual(['thetaRange']);
    expect(fields({ prior: { mean: 25, sd: 1 }, thetaRange: [-4, 4], startTheta: 0 })).toEqual(['prior.mean']);
    expect(fields({ prior: { mean: 0, sd: 1e-300 } })).toEqual(['prior.sd']);
  });

  it('should estimate finitely at the edges of the accepted scale', () => {
    const bank = createBankSnapshot([{ a: 1, b: 0 }, { a: 1.5, b: 1 }]);
    const estimate = estimateMap(bank, Int32Array.of(0, 1), Uint8Array.of(1, 0), { thetaRange: [-20, 20], prior: { mean: 20, sd: 0.01 } });
    expect(Number.isFinite(estimate.theta)).toBe(true);
    expect(Number.isFinite(estimate.se)).toBe(true);
  });

  it('should reject an unknown estimator', () => {
    const config = { ...resolveExamConfig(), estimator: 'BME' as unknown as 'EAP' };
    expect(validateExamConfig(config).map((p) => p.field)).toEqual(['estimator']);
  });
});

describe('classification, selection.target and pretest in exam configs', () => {
  const problems = (input: Parameters<typeof resolveExamConfig>[0]) => validateExamConfig(resolveExamConfig(input));

  it('should fill the classification defaults and copy what was given', () => {
    const cutScores = [-0.5, 1];
    const config = resolveExamConfig({ classification: { cutScores }, pretest: { count: 2, positions: [3, 6] }, selection: { target: 'cut' } });
    expect(config.classification).toEqual({ cutScores: [-0.5, 1], confidence: 0.95, method: 'CI', indifference: 0.2 });
    expect(config.classification?.cutScores).not.toBe(cutScores);
    expect(config.pretest).toEqual({ count: 2, positions: [3, 6] });
    expect(config.selection.target).toBe('cut');
    expect(problems({ classification: { cutScores }, pretest: { count: 2, positions: [3, 6] }, selection: { target: 'cut' } })).toEqual([]);
    expect(
      resolveExamConfig({ classification: { cutScores: [0], confidence: 0.9, method: 'SPRT', indifference: 0.3, labels: ['fail', 'pass'] } }).classification,
    ).toEqual({ cutScores: [0], confidence: 0.9, method: 'SPRT', indifference: 0.3, labels: ['fail', 'pass'] });
    // Absent: nothing added (configs stored before these options read the same).
    expect(resolveExamConfig()).not.toHaveProperty('classification');
    expect(resolveExamConfig()).not.toHaveProperty('pretest');
    expect(resolveExamConfig().selection).not.toHaveProperty('target');
  });

  it('should name every classification problem with its field', () => {
    expect(problems({ classification: { cutScores: [] } })).toEqual([{ field: 'classification.cutScores', message: 'must hold 1 to 10 cut scores' }]);
    expect(problems({ classification: { cutScores: Array.from({ length: 11 }, (_, j) => j / 4 - 1) } }).map((p) => p.field)).toEqual(['classification.cutScores']);
    expect(problems({ classification: { cutScores: [0, 0, Number.NaN, 5] } })).toEqual([
      { field: 'classification.cutScores.1', message: 'must be greater than classification.cutScores.0' },
      { field: 'classification.cutScores.2', message: 'must be a finite number' },
      { field: 'classification.cutScores.3', message: 'must lie within thetaRange' },
    ]);
    expect(problems({ classification: { cutScores: [-4, 4] } })).toEqual([]);
    expect(problems({ classification: { cutScores: [0], confidence: 0.4, indifference: 0, method: 'Bayes' as 'CI' } })).toEqual([
      { field: 'classification.confidence', message: 'must be a number in [0.5, 0.999]' },
      { field: 'classification.method', message: 'must be one of CI, SPRT' },
      { field: 'classification.indifference', message: 'must be a number in (0, 2]' },
    ]);
    expect(problems({ classification: { cutScores: [0], confidence: 0.5, indifference: 2 } })).toEqual([]);
    expect(problems({ classification: { cutScores: [0], confidence: 0.9991 } }).map((p) => p.field)).toEqual(['classification.confidence']);
    expect(problems({ classification: { cutScores: [0], indifference: 2.01 } }).map((p) => p.field)).toEqual(['classification.indifference']);
  });

  it('should want exactly one label of 1 to 100 characters per band', () => {
    expect(problems({ classification: { cutScores: [0, 1], labels: ['low', 'high'] } })).toEqual([
      { field: 'classification.labels', message: 'must hold one label per band: cutScores.length + 1 = 3 strings' },
    ]);
    expect(problems({ classification: { cutScores: [0, 1], labels: ['low', '', 'x'.repeat(101)] } })).toEqual([
      { field: 'classification.labels.1', message: 'must be a string of 1 to 100 characters' },
      { field: 'classification.labels.2', message: 'must be a string of 1 to 100 characters' },
    ]);
    expect(problems({ classification: { cutScores: [0, 1], labels: ['low', 'mid', 'x'.repeat(100)] } })).toEqual([]);
  });

  it("should accept selection.target 'cut' only with classification", () => {
    expect(problems({ selection: { target: 'cut' } })).toEqual([{ field: 'selection.target', message: "'cut' needs classification cut scores" }]);
    expect(problems({ selection: { target: 'theta' } })).toEqual([]);
    expect(problems({ selection: { target: 'mode' as 'cut' } })).toEqual([{ field: 'selection.target', message: 'must be one of theta, cut' }]);
  });

  it('should name every pretest problem with its field', () => {
    expect(problems({ pretest: { count: 20 } })).toEqual([]);
    expect(problems({ pretest: { count: 0 } })).toEqual([{ field: 'pretest.count', message: 'must be an integer in [1, 20]' }]);
    expect(problems({ pretest: { count: 21 } }).map((p) => p.field)).toEqual(['pretest.count']);
    expect(problems({ pretest: { count: 2, positions: [3] } })).toEqual([{ field: 'pretest.positions', message: 'must hold exactly pretest.count positions' }]);
    expect(problems({ pretest: { count: 4, positions: [0, 3, 3, 1001] } })).toEqual([
      { field: 'pretest.positions.0', message: 'must be an integer in [1, 1000]' },
      { field: 'pretest.positions.2', message: 'must differ from the other positions' },
      { field: 'pretest.positions.3', message: 'must be an integer in [1, 1000]' },
    ]);
    expect(problems({ pretest: { count: 2, positions: [1, 2.5] } }).map((p) => p.field)).toEqual(['pretest.positions.1']);
    expect(problems({ pretest: { count: 2, positions: [1000, 1] } })).toEqual([]);
  });

  it('should keep the largest valid config within MAX_EXAM_CONFIG_BYTES', () => {
    const name = (j: number) => `${j}`.padStart(100, 'x');
    const contentBalance = Object.fromEntries(Array.from({ length: 64 }, (_, j) => [name(j), 1 / 64]));
    const config = resolveExamConfig({
      selection: { contentBalance, randomesque: 256, maxExposure: 0.123456789012345, target: 'cut' },
      classification: {
        cutScores: Array.from({ length: 10 }, (_, j) => -3.123456789012345 + j * 0.6123456789012345),
        confidence: 0.987654321012345,
        method: 'SPRT',
        indifference: 0.123456789012345,
        labels: Array.from({ length: 11 }, (_, j) => name(j)),
      },
      pretest: { count: 20, positions: Array.from({ length: 20 }, (_, j) => 981 + j) },
    });
    expect(validateExamConfig(config)).toEqual([]);
    expect(new TextEncoder().encode(JSON.stringify(config)).length).toBeLessThanOrEqual(MAX_EXAM_CONFIG_BYTES);
  });
});
