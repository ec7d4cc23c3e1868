import fs from 'node:fs';
import fc from 'fast-check';

/**
 * Independent reference values for the engine's specs (test/fixtures/irt-reference/README.md says how they were
 * computed), and the random items the property tests draw.
 */
export function referenceCases<Case>(file: string): Case[] {
  return referenceFile<Case[]>(file);
}

/** A reference file whose top level is not a list of cases (e.g. polytomous-cases.json: `{ meta, estimationCases, itemCases }`). */
export function referenceFile<Contents>(file: string): Contents {
  return JSON.parse(fs.readFileSync(new URL(`../fixtures/irt-reference/${file}`, import.meta.url), 'utf8')) as Contents;
}

/** A plausible calibrated 4PL item. */
export const itemArbitrary = fc.record({
  a: fc.double({ min: 0.3, max: 2.5, noNaN: true }),
  b: fc.double({ min: -3, max: 3, noNaN: true }),
  c: fc.double({ min: 0, max: 0.3, noNaN: true }),
  d: fc.double({ min: 0.85, max: 1, noNaN: true }),
});

/**
 * A plausible calibrated GRM, GPCM or PCM item with 1 to 9 thresholds in [−3, 3], at least 0.05 apart (so that every
 * category keeps a probability > 0 at any θ the specs use); GPCM/PCM thresholds come in any order.
 */
export const polytomousItemArbitrary = fc
  .record({
    model: fc.constantFrom<'GRM' | 'GPCM' | 'PCM'>('GRM', 'GPCM', 'PCM'),
    a: fc.double({ min: 0.3, max: 2.5, noNaN: true }),
    offset: fc.double({ min: -0.3, max: 0.3, noNaN: true }),
    gaps: fc.array(fc.double({ min: 0.05, max: 0.6, noNaN: true }), { minLength: 1, maxLength: 9 }),
    order: fc.nat(),
  })
  .map(({ model, a, offset, gaps, order }) => {
    // Centred on `offset`: the total span is at most 5.4.
    let t = offset - gaps.reduce((sum, gap) => sum + gap, 0) / 2;
    const sorted = gaps.map((gap) => (t += gap));
    // GPCM/PCM steps need not be ordered: rotate them.
    const thresholds = model === 'GRM' ? sorted : sorted.map((_, j) => sorted[(j + order) % sorted.length]);
    return model === 'PCM' ? { model, thresholds } : { model, a, thresholds };
  });
