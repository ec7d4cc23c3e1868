import { type ReportingScale, reportingScaleProblems, scaleScore } from './reporting-scale.js';

const scale: ReportingScale = {
  slope: 50,
  intercept: 500,
  decimals: 0,
  min: 300,
  max: 700,
  bands: [
    { min: 300, label: 'Below basic' },
    { min: 450, label: 'Basic' },
    { min: 550, label: 'Proficient' },
  ],
};

describe(scaleScore.name, () => {
  it('should transform, round and band θ', () => {
    expect(scaleScore(scale, 0.37)).toEqual({ scaledScore: 519, band: { index: 1, label: 'Basic' } });
    expect(scaleScore(scale, 1)).toEqual({ scaledScore: 550, band: { index: 2, label: 'Proficient' } });
    expect(scaleScore(scale, -1.01)).toEqual({ scaledScore: 450, band: { index: 1, label: 'Basic' } });
    expect(scaleScore({ ...scale, decimals: 2 }, 0.12345)).toEqual({ scaledScore: 506.17, band: { index: 1, label: 'Basic' } });
  });

  it('should clamp to the scale bounds, put scores under every band in the first, and report no band without bands', () => {
    expect(scaleScore(scale, -9)).toEqual({ scaledScore: 300, band: { index: 0, label: 'Below basic' } });
    expect(scaleScore(scale, 9)).toEqual({ scaledScore: 700, band: { index: 2, label: 'Proficient' } });
    expect(scaleScore({ ...scale, min: null, bands: [{ min: 400, label: 'Pass' }] }, -9).band).toEqual({ index: 0, label: 'Pass' });
    expect(scaleScore({ ...scale, bands: [] }, 0)).toEqual({ scaledScore: 500, band: null });
  });

  it('should report a zero slope, crossed bounds and bands out of order', () => {
    const bad = { ...scale, slope: 0, min: 700, max: 300, bands: [{ min: 1, label: 'a' }, { min: 1, label: 'b' }] };
    expect(reportingScaleProblems(bad).map((p) => p.field)).toEqual(['slope', 'max', 'bands.1.min']);
    expect(reportingScaleProblems(scale)).toEqual([]);
  });
});
