import { featureVector, LINKED_FEATURES, SEMANTIC_FEATURES, SOLO_FEATURES, applyHead, COMBINER_FORMAT, type CombinerHead, type CombinerModel } from '../batch/combiner.js';
import { fitLogistic } from './logreg.js';
import type { BatchScore } from '../batch/index.js';
import { clusterBatches } from '../campaign/link.js';
import { signalsOf } from '../batch/signals.js';
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
  const plain = fitHeads(batches, truth, l2, false);
  const metric = (scores: number[]) => {
    const pos = scores.filter((_, i) => truth[i] === 1);
    const neg = scores.filter((_, i) => truth[i] === 0);
    return { auc: round4(rocAuc(scores, [...truth])), tprAt1pctFpr: round4(detectionAtFpr(pos, neg, 0.01).tpr) };
  };
  const metrics: Record<string, unknown> = { note: 'in-sample, on the simulated training traffic', solo: metric(plain.soloScores), linked: metric(plain.linkedScores) };
  // With semantic signals on every batch, also the heads that read them, keyed by the embedder.
  const embedder = batches[0]?.semantic?.embedder;
  let semantic: CombinerModel['semantic'];
  if (embedder && batches.every((b) => b.semantic?.embedder === embedder)) {
    const sem = fitHeads(batches, truth, l2, true);
    semantic = { [embedder]: { solo: sem.solo, linked: sem.linked } };
    metrics[`semantic:${embedder}`] = { solo: metric(sem.soloScores), linked: metric(sem.linkedScores) };
  }
  return {
    format: COMBINER_FORMAT,
    version: 1,
    solo: plain.solo,
    linked: plain.linked,
    ...(semantic ? { semantic } : {}),
    training: { batches: batches.length, campaignBatches: truth.filter((t) => t === 1).length, l2, ...options.provenance },
    metrics,
  };
}

/** Fit the solo head, then (on batches re-scored by it) the linked head; with or without the semantic signals. */
function fitHeads(batches: readonly BatchScore[], truth: readonly number[], l2: number, withSemantic: boolean) {
  const sem = (b: BatchScore) => (withSemantic ? b.semantic : undefined);
  const extra = withSemantic ? [...SEMANTIC_FEATURES] : [];
  const soloX = batches.map((b) => featureVector(signalsOf(b), 'solo', undefined, sem(b)));
  const solo: CombinerHead = { features: [...SOLO_FEATURES, ...extra], ...fitLogistic(soloX, [...truth], l2), levels: { medium: 0.5, high: 0.9 } };
  const soloScores = soloX.map((x) => applyHead(solo, x));
  solo.levels = levelsFor(soloScores, truth);

  // The linked head re-scores batches that have campaign peers, so it is fitted on those only;
  // a batch without peers keeps its solo score (as linkBatches does).
  const rescored = batches.map((b, i) => ({ ...b, score: soloScores[i] as number }));
  const { evidence } = clusterBatches(rescored);
  const peered = rescored.map((_, i) => i).filter((i) => (evidence[i]?.peers ?? 0) > 0);
  const linkedX = rescored.map((b, i) => featureVector(signalsOf(b), 'linked', evidence[i], sem(b)));
  const fit = fitLogistic(peered.map((i) => linkedX[i] as number[]), peered.map((i) => truth[i] as number), l2);
  const linked: CombinerHead = { features: [...LINKED_FEATURES, ...extra], ...fit, levels: { medium: 0.5, high: 0.9 } };
  const linkedScores = linkedX.map((x, i) => ((evidence[i]?.peers ?? 0) > 0 ? applyHead(linked, x) : (soloScores[i] as number)));
  linked.levels = levelsFor(linkedScores, truth);
  return { solo, linked, soloScores, linkedScores };
}

function levelsFor(scores: readonly number[], truth: readonly number[]): CombinerHead['levels'] {
  const neg = scores.filter((_, i) => truth[i] === 0);
  return {
    medium: round4(Math.max(0.2, detectionAtFpr([], neg, 0.01).threshold)),
    high: round4(Math.max(0.5, detectionAtFpr([], neg, 0.001).threshold)),
  };
}
