import { Injectable } from '@nestjs/common';
import { type FieldProblem, validationFailed } from '../common/http/validation.js';
import { estimateFromItemParameters, resolveEstimationSettings, validateEstimationSettings, validateItemParameters } from '../irt/index.js';
import type { EstimateDto } from './dto/estimate.dto.js';
import type { EstimateView } from './dto/exam.views.js';

/** Stateless scoring (POST /v1/estimate): item parameters and a response pattern in, θ and SE out. */
@Injectable()
export class ScoringService {
  estimate(dto: EstimateDto): EstimateView {
    const settings = resolveEstimationSettings(dto);
    const problems: FieldProblem[] = [
      ...dto.items.flatMap((item, i) => validateItemParameters(item).map((p) => ({ field: `items.${i}.${p.field}`, message: p.message }))),
      ...validateEstimationSettings(settings),
    ];
    if (dto.responses.length !== dto.items.length) {
      problems.push({ field: 'responses', message: `must have one entry per item (${dto.items.length}), got ${dto.responses.length}` });
    }
    dto.items.forEach((item, i) => {
      const top = (item.model ?? '4PL') === '4PL' ? 1 : (item.thresholds?.length ?? 0);
      if (i < dto.responses.length && dto.responses[i] > top) problems.push({ field: `responses.${i}`, message: `must be a score from 0 to ${top} (items.${i})` });
    });
    if (problems.length > 0) throw validationFailed(problems);
    const { theta, se, estimatorUsed } = estimateFromItemParameters(dto.items, dto.responses, settings);
    return { theta, se, estimatorUsed };
  }
}
