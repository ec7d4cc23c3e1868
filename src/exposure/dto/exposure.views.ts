import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../../common/http/api-examples.js';

/** Response bodies of the exposure routes. */

export class ItemExposureView {
  @ApiProperty({ example: EXAMPLE.itemId })
  itemId!: string;
  @ApiProperty({ example: 'alg-1' })
  externalId!: string;
  /** Exams in which the item was administered. */
  @ApiProperty({ example: 412 })
  administrations!: number;
  /** administrations / exams started on the bank (0 before any exam). */
  @ApiProperty({ example: 0.206 })
  rate!: number;
  /** Sympson–Hetter K, null when never computed. */
  @ApiProperty({ example: 0.83 })
  sympsonHetterK!: number | null;
}

export class BankExposureView {
  @ApiProperty({ example: EXAMPLE.bankId })
  bankId!: string;
  @ApiProperty({ example: 2000 })
  examsStarted!: number;
  /** Largest item exposure rate in the bank. */
  @ApiProperty({ example: 0.248 })
  maxRate!: number;
  /**
   * Expected share of items two exams have in common (Chen, Ankenmann & Spray 2003: n·S²(r)/L + L/n over the bank's
   * n items, L the mean test length).
   */
  @ApiProperty({ example: 0.11 })
  testOverlapRate!: number;
  items!: ItemExposureView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  @ApiProperty({ example: null })
  nextCursor!: string | null;
}

export class ExposureControlJobView {
  @ApiProperty({ example: EXAMPLE.exposureJobId })
  id!: string;
  @ApiProperty({ example: EXAMPLE.bankId })
  bankId!: string;
  /** INTERRUPTED: its instance stopped; POST again resumes it from its last completed iteration. */
  @ApiProperty({ example: 'RUNNING' })
  status!: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'INTERRUPTED';
  @ApiProperty({ example: 0.25 })
  targetRate!: number;
  @ApiProperty({ example: 1000 })
  simulees!: number;
  @ApiProperty({ example: 10 })
  maxIterations!: number;
  /** Iterations completed. */
  @ApiProperty({ example: 3 })
  iteration!: number;
  /** Simulees done in the running iteration. */
  @ApiProperty({ example: 420 })
  simulated!: number;
  /** Share of the whole run done, in [0, 1] (at most maxIterations). */
  @ApiProperty({ example: 0.342 })
  progress!: number;
  /** Largest administration rate in the last completed iteration. */
  @ApiProperty({ example: 0.31 })
  maxExposure!: number | null;
  /** How far over the target counts as converged: 0.01, or 2.5 standard errors of a rate simulated on `simulees`. */
  @ApiProperty({ example: 0.034 })
  tolerance!: number;
  /** Whether the last iteration kept every rate within `tolerance` of the target. */
  @ApiProperty({ example: false })
  converged!: boolean;
  @ApiProperty({ example: null })
  error!: string | null;
  @ApiProperty({ example: EXAMPLE.startedAt })
  startedAt!: Date;
  @ApiProperty({ example: null })
  finishedAt!: Date | null;
  /** The interrupted job this one resumed, if any. */
  @ApiProperty({ example: null })
  resumedFrom!: string | null;
}
