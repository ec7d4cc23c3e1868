/** Response bodies of the exposure routes. */

export class ItemExposureView {
  itemId!: string;
  externalId!: string;
  /** Exams in which the item was administered. */
  administrations!: number;
  /** administrations / exams started on the bank (0 before any exam). */
  rate!: number;
  /** Sympson–Hetter K, null when never computed. */
  sympsonHetterK!: number | null;
}

export class BankExposureView {
  bankId!: string;
  examsStarted!: number;
  /** Largest item exposure rate in the bank. */
  maxRate!: number;
  /**
   * Expected share of items two exams have in common (Chen, Ankenmann & Spray 2003: n·S²(r)/L + L/n over the bank's
   * n items, L the mean test length).
   */
  testOverlapRate!: number;
  items!: ItemExposureView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor!: string | null;
}

export class ExposureControlJobView {
  id!: string;
  bankId!: string;
  /** INTERRUPTED: its instance stopped; POST again resumes it from its last completed iteration. */
  status!: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'INTERRUPTED';
  targetRate!: number;
  simulees!: number;
  maxIterations!: number;
  /** Iterations completed. */
  iteration!: number;
  /** Simulees done in the running iteration. */
  simulated!: number;
  /** Share of the whole run done, in [0, 1] (at most maxIterations). */
  progress!: number;
  /** Largest administration rate in the last completed iteration. */
  maxExposure!: number | null;
  /** How far over the target counts as converged: 0.01, or 2.5 standard errors of a rate simulated on `simulees`. */
  tolerance!: number;
  /** Whether the last iteration kept every rate within `tolerance` of the target. */
  converged!: boolean;
  error!: string | null;
  startedAt!: Date;
  finishedAt!: Date | null;
  /** The interrupted job this one resumed, if any. */
  resumedFrom!: string | null;
}
