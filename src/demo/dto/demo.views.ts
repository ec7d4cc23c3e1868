import { ApiProperty } from '@nestjs/swagger';

/** Response bodies of the demo routes. */

export class DemoStatusView {
  /** Whether this instance starts demo exams without a launch token (DEMO_TEST_DEFINITION_ID is set). */
  @ApiProperty({ example: true })
  demoExams!: boolean;
}
