/** Running sums over the answered items at one θ, filled by `accumulateItemTerms`. */
export interface LikelihoodTerms {
  /** Σ log Pₓᵢ (each probability floored at PROBABILITY_FLOOR, except the GPCM's exact log-softmax). */
  logLikelihood: number;
  /** Σ d log Pₓᵢ / dθ. */
  score: number;
  /** Σ Iᵢ(θ). */
  information: number;
  /** Σ Jᵢ(θ), the WLE weight. */
  weight: number;
}

export function emptyTerms(): LikelihoodTerms {
  return { logLikelihood: 0, score: 0, information: 0, weight: 0 };
}

export function resetTerms(terms: LikelihoodTerms): LikelihoodTerms {
  terms.logLikelihood = 0;
  terms.score = 0;
  terms.information = 0;
  terms.weight = 0;
  return terms;
}
