import { Injectable } from '@nestjs/common';
import { validationFailed, type FieldProblem } from '../common/http/validation.js';
import type { EstimateView } from './dto/views.dto.js';
import type { EstimateDto } from './dto/estimate.dto.js';
import {
  DEFAULT_PRIOR,
  DEFAULT_QUADRATURE_POINTS,
  DEFAULT_THETA_RANGE,
  estimateFromItemParameters,
  MAX_QUADRATURE_POINTS,
  MIN_QUADRATURE_POINTS,
  thetaScaleProblems,
  validateItemParameters,
} from '../irt/index.js';

/** Stateless scoring (POST /v1/estimate): item parameters and a response pattern in, θ and SE out. */
@Injectable()
export class ScoringService {
  estimate(dto: EstimateDto): EstimateView {
    const problems: FieldProblem[] = [];
    dto.items.forEach((item, i) => {
      for (const p of validateItemParameters(item)) problems.push({ field: `items.${i}.${p.field}`, message: p.message });
    });
    if (dto.responses.length !== dto.items.length) {
      problems.push({ field: 'responses', message: `must have one entry per item (${dto.items.length}), got ${dto.responses.length}` });
    }
    const prior = { mean: dto.prior?.mean ?? DEFAULT_PRIOR.mean, sd: dto.prior?.sd ?? DEFAULT_PRIOR.sd };
    if (prior.sd <= 0) problems.push({ field: 'prior.sd', message: 'must be > 0' });
    const thetaRange: [number, number] = dto.thetaRange ?? [DEFAULT_THETA_RANGE[0], DEFAULT_THETA_RANGE[1]];
    if (thetaRange[0] >= thetaRange[1]) problems.push({ field: 'thetaRange', message: 'lower bound must be less than upper bound' });
    problems.push(...thetaScaleProblems(thetaRange, prior));
    const quadraturePoints = dto.quadraturePoints ?? DEFAULT_QUADRATURE_POINTS;
    if (quadraturePoints < MIN_QUADRATURE_POINTS || quadraturePoints > MAX_QUADRATURE_POINTS) {
      problems.push({ field: 'quadraturePoints', message: `must be in [${MIN_QUADRATURE_POINTS}, ${MAX_QUADRATURE_POINTS}]` });
    }
    if (problems.length > 0) throw validationFailed(problems);
    const estimate = estimateFromItemParameters(dto.items, dto.responses, {
      estimator: dto.estimator ?? 'EAP',
      prior,
      thetaRange,
      quadraturePoints,
    });
    return { theta: estimate.theta, se: estimate.se, estimatorUsed: estimate.estimatorUsed };
  }
}
