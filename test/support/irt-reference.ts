import fs from 'node:fs';
import fc from 'fast-check';

/**
 * Independent reference values for the engine's specs (test/fixtures/irt-reference/README.md says how they were
 * computed), and the random items the property tests draw.
 */
export function referenceCases<Case>(file: string): Case[] {
  return JSON.parse(fs.readFileSync(new URL(`../fixtures/irt-reference/${file}`, import.meta.url), 'utf8')) as Case[];
}

/** A plausible calibrated 4PL item. */
export const itemArbitrary = fc.record({
  a: fc.double({ min: 0.3, max: 2.5, noNaN: true }),
  b: fc.double({ min: -3, max: 3, noNaN: true }),
  c: fc.double({ min: 0, max: 0.3, noNaN: true }),
  d: fc.double({ min: 0.85, max: 1, noNaN: true }),
});
