import { resolveExamConfig, validateExamConfig } from './exam-config.js';
import { estimateMap } from './estimators.js';
import { createBankSnapshot } from './bank-snapshot.js';

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
