import { featureVector, LINKED_FEATURES, SOLO_FEATURES, applyHead, COMBINER_FORMAT, type CombinerHead, type CombinerModel } from '../batch/combiner.js';
import { fitLogistic } from './logreg.js';
import type { BatchScore } from '../batch/index.js';
import { clusterBatches, signalsOf } from '../campaign/link.js';
import { detectionAtFpr, rocAuc } from '../eval/traffic.js';
import { round4 } from '../util/round.js';

export interface CombinerTrainOptions {
  l2?: number;
  provenance?: Record<string, unknown>;
}

/**
 * Train the combiner's solo and linked heads on scored batches with ground truth (1 = campaign).
 * Levels: `high` at the score that keeps 0.1% of training organic batches above it (at least 0.5),
 * `medium` at 1% (at least 0.2).
 *
 * Example:
 *   const model = trainCombiner(scoredBatches, truth); model.solo.features.length // → 15
 */
export function trainCombiner(batches: readonly BatchScore[], truth: readonly number[], options: CombinerTrainOptions = {}): CombinerModel {
  const l2 = options.l2 ?? 1e-3;
  const soloX = batches.map((b) => featureVector(signalsOf(b), 'solo'));
  const soloFit = fitLogistic(soloX, [...truth], l2);
  const solo: CombinerHead = { features: [...SOLO_FEATURES], ...soloFit, levels: { medium: 0.5, high: 0.9 } };
  const soloScores = soloX.map((x) => applyHead(solo, x));
  solo.levels = levelsFor(soloScores, truth);

  const rescored = batches.map((b, i) => ({ ...b, score: soloScores[i] as number }));
  const { evidence } = clusterBatches(rescored);
  const linkedX = rescored.map((b, i) => featureVector(signalsOf(b), 'linked', evidence[i]));
  const linkedFit = fitLogistic(linkedX, [...truth], l2);
  const linked: CombinerHead = { features: [...LINKED_FEATURES], ...linkedFit, levels: { medium: 0.5, high: 0.9 } };
  const linkedScores = linkedX.map((x) => applyHead(linked, x));
  linked.levels = levelsFor(linkedScores, truth);

  const metric = (scores: number[]) => {
    const pos = scores.filter((_, i) => truth[i] === 1);
    const neg = scores.filter((_, i) => truth[i] === 0);
    return { auc: round4(rocAuc(scores, [...truth])), tprAt1pctFpr: round4(detectionAtFpr(pos, neg, 0.01).tpr) };
  };
  return {
    format: COMBINER_FORMAT,
    version: 1,
    solo,
    linked,
    training: { batches: batches.length, campaignBatches: truth.filter((t) => t === 1).length, l2, ...options.provenance },
    metrics: { note: 'in-sample, on the simulated training traffic', solo: metric(soloScores), linked: metric(linkedScores) },
  };
}

function levelsFor(scores: readonly number[], truth: readonly number[]): CombinerHead['levels'] {
  const neg = scores.filter((_, i) => truth[i] === 0);
  return {
    medium: round4(Math.max(0.2, detectionAtFpr([], neg, 0.01).threshold)),
    high: round4(Math.max(0.5, detectionAtFpr([], neg, 0.001).threshold)),
  };
}
