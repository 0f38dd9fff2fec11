import type { SparseVector } from '../features/index.js';
import { evaluate, expectedCalibrationError, type EvalReport } from '../eval/metrics.js';
import { EMBEDDING_HEADS_FORMAT, EMBEDDING_HEADS_VERSION, type EmbeddingHead, type EmbeddingHeads, type EmbeddingTextPrep } from '../tagger/embedding-model.js';
import { LABELS, type Label } from '../tagger/labels.js';
import { round4 } from '../util/round.js';
import { applyPlatt, bestF1Threshold, fitPlatt } from './calibrate.js';
import type { LabelledRecord } from './data.js';
import { balancedPositiveWeight, DEFAULT_LOGREG, fitLogistic, margin, sigmoid, trainLogReg, type LogRegOptions } from './logreg.js';

/** Defaults for heads over dense sentence vectors: more L2 than the sparse heads, fewer epochs. */
export const EMBEDDING_LOGREG: Readonly<Partial<LogRegOptions>> = Object.freeze({ epochs: 20, rate: 0.05, l2: 1e-4 });

/** Ridge on the two stacking weights (per row, as in the combiner's fit). */
const STACK_L2 = 1e-6;

export interface EmbeddingTrainOptions {
  /** Id and dimension of the embedder the vectors came from. */
  embedder: string;
  text: EmbeddingTextPrep;
  seed?: number;
  /** The lexical heads' held-out margins and folds (from `trainTagger`), to stack with. */
  lexical: { margin: Record<Label, Float64Array>; fold: number[] };
  logreg?: Partial<LogRegOptions>;
  provenance?: Record<string, unknown>;
  log?: (msg: string) => void;
}

export interface EmbeddingTrainResult {
  heads: EmbeddingHeads;
  /** Held-out reports on the original records: embedding heads alone, and stacked with the lexical heads. */
  cv: { embedding: EvalReport; stacked: EvalReport };
}

/**
 * Train one head per label over sentence vectors, in the same folds as the lexical heads, and a
 * stacker per label that turns the two held-out margins (lexical, embedding) into one calibrated
 * probability. Deterministic for a seed.
 *
 * Example:
 *   const lexical = trainTagger(records);
 *   const { heads, cv } = trainEmbeddingHeads(vectors, records, { embedder: 'use-lite', text, lexical: lexical.oof });
 *   cv.stacked.macroF1 // → ≥ the lexical heads' alone, on the corpus
 */
export function trainEmbeddingHeads(vectors: readonly Float32Array[], records: readonly LabelledRecord[], options: EmbeddingTrainOptions): EmbeddingTrainResult {
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const { fold, margin: lexMargin } = options.lexical;
  if (vectors.length !== records.length || fold.length !== records.length) {
    throw new RangeError(`distillscope: ${vectors.length} vectors, ${records.length} records and ${fold.length} fold entries must agree`);
  }
  const dim = vectors[0]?.length ?? 0;
  const folds = Math.max(...fold) + 1;
  const idx = Uint32Array.from({ length: dim }, (_, j) => j);
  const xs: SparseVector[] = vectors.map((v) => {
    if (v.length !== dim) throw new RangeError(`distillscope: vectors differ in length (${v.length} vs ${dim})`);
    return { idx, val: v };
  });
  const opts = (ys: number[]): LogRegOptions => ({ ...DEFAULT_LOGREG, positiveWeight: balancedPositiveWeight(ys), ...EMBEDDING_LOGREG, ...options.logreg, seed });

  const oof = Object.fromEntries(LABELS.map((l) => [l, new Float64Array(xs.length)])) as Record<Label, Float64Array>;
  for (let k = 0; k < folds; k++) {
    const trainIdx = xs.map((_, i) => i).filter((i) => fold[i] !== k);
    const testIdx = xs.map((_, i) => i).filter((i) => fold[i] === k);
    for (const label of LABELS) {
      const ys = trainIdx.map((i) => ((records[i] as LabelledRecord).labels.includes(label) ? 1 : 0));
      const head = trainLogReg(trainIdx.map((i) => xs[i] as SparseVector), ys, dim, opts(ys));
      for (const i of testIdx) oof[label][i] = margin(head, xs[i] as SparseVector);
    }
    log(`embedding heads: fold ${k + 1}/${folds} done`);
  }

  const original = records.map((r, i) => (r.augmented ? -1 : i)).filter((i) => i >= 0);
  const heads = {} as Record<Label, EmbeddingHead>;
  const probs = { embedding: {} as Record<Label, number[]>, stacked: {} as Record<Label, number[]> };
  const ece = { embedding: {} as Record<Label, number>, stacked: {} as Record<Label, number> };
  for (const label of LABELS) {
    const ys = records.map((r) => (r.labels.includes(label) ? 1 : 0));
    const ysOrig = original.map((i) => ys[i] as number);
    const platt = fitPlatt(oof[label], ys);
    const pe = original.map((i) => applyPlatt(platt, oof[label][i] as number));
    const stack = fitLogistic(records.map((_, i) => [lexMargin[label][i] as number, oof[label][i] as number]), ys, STACK_L2);
    const [wl, we] = stack.weights as [number, number];
    const b = stack.bias;
    const ps = original.map((i) => sigmoid(wl * (lexMargin[label][i] as number) + we * (oof[label][i] as number) + b));
    probs.embedding[label] = pe;
    probs.stacked[label] = ps;
    ece.embedding[label] = expectedCalibrationError(pe, ysOrig);
    ece.stacked[label] = expectedCalibrationError(ps, ysOrig);
    const final = trainLogReg(xs, ys, dim, opts(ys));
    heads[label] = {
      weights: Array.from(final.weights, (w) => Math.fround(w)),
      bias: final.bias,
      platt,
      threshold: bestF1Threshold(pe, ysOrig),
      stack: { lexical: wl, embedding: we, bias: b, threshold: bestF1Threshold(ps, ysOrig) },
    };
  }
  log('embedding heads: final heads trained');
  const gold = original.map((i) => (records[i] as LabelledRecord).labels);
  const predict = (p: Record<Label, number[]>, thr: (l: Label) => number): Label[][] =>
    original.map((_, j) => LABELS.filter((l) => (p[l][j] as number) >= thr(l)));
  const cv = {
    embedding: evaluate(gold, predict(probs.embedding, (l) => heads[l].threshold)),
    stacked: evaluate(gold, predict(probs.stacked, (l) => heads[l].stack.threshold)),
  };
  const summary = (r: EvalReport, e: Record<Label, number>): Record<string, unknown> => ({
    macroF1: round4(r.macroF1),
    f1: Object.fromEntries(Object.entries(r.perClass).map(([c, m]) => [c, round4(m.f1)])),
    ece: Object.fromEntries(Object.entries(e).map(([l, x]) => [l, round4(x)])),
  });
  return {
    heads: {
      format: EMBEDDING_HEADS_FORMAT,
      version: EMBEDDING_HEADS_VERSION,
      embedder: options.embedder,
      dim,
      text: options.text,
      heads,
      training: { seed, folds, records: records.length, original: original.length, logreg: { ...EMBEDDING_LOGREG, ...options.logreg }, ...options.provenance },
      metrics: {
        note: 'cross-validated on held-out folds of the training corpus (original records only), same folds as the lexical heads',
        embedding: summary(cv.embedding, ece.embedding),
        stacked: summary(cv.stacked, ece.stacked),
      },
    },
    cv,
  };
}
