import { Injectable, type PipeTransform } from '@nestjs/common';
import { textProblem, validationFailed } from '../common/http/validation.js';

/** A candidate id in a path: 1–200 characters of storable text, as in a body. */
@Injectable()
export class CandidateIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const problem = value.length === 0 || value.length > 200 ? 'must be 1 to 200 characters long' : textProblem(value);
    if (problem) throw validationFailed([{ field: 'candidateId', message: problem }]);
    return value;
  }
}
