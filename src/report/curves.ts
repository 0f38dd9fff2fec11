import { expectedCalibrationError } from '../eval/metrics.js';
import { LABELS, type Label } from '../tagger/labels.js';

/** One evaluated row as the curves need it: its gold labels and the calibrated score per label. */
export interface ScoredRow {
  gold: Label[];
  scores: Record<Label, number>;
}

/** One point of a precision-recall curve: rows scoring at or above `threshold` are called positive. */
export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/** One equal-width probability bin of a reliability diagram. */
export interface CalibrationBin {
  /** The bin is [lo, hi), and the last one includes 1. */
  lo: number;
  hi: number;
  count: number;
  /** Mean score of the rows in the bin; null when it is empty. */
  meanScore: number | null;
  /** Fraction of the rows in the bin that carry the label; null when it is empty. */
  observed: number | null;
}

/** Ranking and calibration of one label's scores against gold. */
export interface LabelCurves {
  n: number;
  positives: number;
  /** One point per distinct score, highest score first; empty when there are no gold positives. */
  pr: PrPoint[];
  /** Average precision, Σ (Rₖ − Rₖ₋₁)·Pₖ over `pr`; null when there are no gold positives. */
  ap: number | null;
  calibration: CalibrationBin[];
  /** Expected calibration error over `calibration`'s bins. */
  ece: number;
}

/**
 * The precision-recall curve of scores against 0/1 gold: one point per distinct score (tied
 * scores are one decision), highest first. Empty when no row is positive.
 *
 * Example:
 *   precisionRecall([0.9, 0.8, 0.7], [1, 0, 1])
 *   // → [{ threshold: 0.9, precision: 1, recall: 0.5 }, { threshold: 0.8, precision: 0.5, recall: 0.5 },
 *   //    { threshold: 0.7, precision: 0.667, recall: 1 }]  (precision 2/3)
 */
export function precisionRecall(scores: ArrayLike<number>, ys: ArrayLike<number>): PrPoint[] {
  if (scores.length !== ys.length) throw new RangeError(`distillscope: ${scores.length} scores but ${ys.length} gold values`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let positives = 0;
  for (let i = 0; i < ys.length; i++) positives += ys[i] ? 1 : 0;
  if (positives === 0) return [];
  const points: PrPoint[] = [];
  let tp = 0;
  let seen = 0;
  order.forEach((i, k) => {
    tp += ys[i] ? 1 : 0;
    seen++;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) return;
    points.push({ threshold: scores[i] as number, precision: tp / seen, recall: tp / positives });
  });
  return points;
}

/**
 * Average precision of a curve from `precisionRecall`: the step-wise area Σ (Rₖ − Rₖ₋₁)·Pₖ
 * (no interpolation), null for an empty curve.
 *
 * Example:
 *   averagePrecision(precisionRecall([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0])) // → 0.8333 (0.5·1 + 0.5·2/3)
 */
export function averagePrecision(pr: readonly PrPoint[]): number | null {
  if (!pr.length) return null;
  let ap = 0;
  let prev = 0;
  for (const p of pr) {
    ap += (p.recall - prev) * p.precision;
    prev = p.recall;
  }
  return ap;
}

/**
 * Equal-width reliability bins (the same binning as `expectedCalibrationError`).
 *
 * Example:
 *   calibrationBins([0.05, 0.15, 0.12, 0.95], [0, 1, 0, 1], 10)[1]
 *   // → { lo: 0.1, hi: 0.2, count: 2, meanScore: 0.135, observed: 0.5 }
 */
export function calibrationBins(scores: ArrayLike<number>, ys: ArrayLike<number>, bins = 10): CalibrationBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`distillscope: calibration bins must be an integer >= 1, received ${bins}`);
  const out = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, hi: (b + 1) / bins, count: 0, sumP: 0, sumY: 0 }));
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i] as number;
    const bin = out[Math.min(bins - 1, Math.floor(p * bins))] as (typeof out)[number];
    bin.count++;
    bin.sumP += p;
    bin.sumY += ys[i] ? 1 : 0;
  }
  return out.map(({ lo, hi, count, sumP, sumY }) => ({
    lo,
    hi,
    count,
    meanScore: count ? sumP / count : null,
    observed: count ? sumY / count : null,
  }));
}

/**
 * Precision-recall curve, average precision, reliability bins and ECE for every label.
 *
 * Example:
 *   labelCurves([{ gold: ['coding'], scores: { reasoning: 0.1, tool_use: 0, coding: 0.9, vision: 0, censorship_probing: 0 } }])
 *     .coding.ap // → 1
 */
export function labelCurves(rows: readonly ScoredRow[], bins = 10): Record<Label, LabelCurves> {
  const out = {} as Record<Label, LabelCurves>;
  for (const label of LABELS) {
    const scores = rows.map((r) => r.scores[label]);
    const ys = rows.map((r) => (r.gold.includes(label) ? 1 : 0));
    const pr = precisionRecall(scores, ys);
    out[label] = {
      n: rows.length,
      positives: ys.reduce<number>((s, y) => s + y, 0),
      pr,
      ap: averagePrecision(pr),
      calibration: calibrationBins(scores, ys, bins),
      ece: rows.length ? expectedCalibrationError(scores, ys, bins) : 0,
    };
  }
  return out;
}
