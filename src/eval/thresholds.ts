import { LABELS, isLabel, type Label } from '../tagger/labels.js';

/** What a tuned threshold must reach on its label: a precision or a recall floor. */
export interface TuneTarget {
  metric: 'precision' | 'recall';
  value: number;
}

/** The targets per label parsed from `--tune`. */
export type TuneSpec = Partial<Record<Label, TuneTarget>>;

/** One label's tuned threshold and what it reaches on the rows it was tuned on. */
export interface TunedLabel {
  threshold: number;
  target: TuneTarget;
  /** False when no threshold reaches the target; the threshold is then the one closest to it. */
  reached: boolean;
  precision: number;
  recall: number;
  /** Gold rows carrying the label. */
  support: number;
}

/**
 * Parse a `--tune` value: a comma-separated list of `metric=value` (all labels) and
 * `label:metric=value` (one label, overrides the general one).
 *
 * Example:
 *   parseTuneSpec('precision=0.95,tool_use:recall=0.8').tool_use // → { metric: 'recall', value: 0.8 }
 */
export function parseTuneSpec(spec: string): TuneSpec {
  const out: TuneSpec = {};
  const specific: TuneSpec = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:([a-z_]+):)?(precision|recall)=([0-9.]+)$/.exec(part);
    const value = m ? Number(m[3]) : NaN;
    if (!m || !(value > 0 && value <= 1)) {
      throw new RangeError(`cannot read tune target "${part}": expected precision=0.95, recall=0.9 or label:precision=0.95 (value in (0, 1])`);
    }
    const target: TuneTarget = { metric: m[2] as TuneTarget['metric'], value };
    if (m[1] === undefined) for (const l of LABELS) out[l] = target;
    else if (isLabel(m[1])) specific[m[1]] = target;
    else throw new RangeError(`cannot read tune target "${part}": unknown label "${m[1]}"; allowed: ${LABELS.join(', ')}`);
  }
  if (!Object.keys(out).length && !Object.keys(specific).length) throw new RangeError('empty tune target; e.g. precision=0.95');
  return { ...out, ...specific };
}

/**
 * Pick the threshold for one label that meets a target on scored rows.
 * - precision ≥ v: the lowest threshold whose precision reaches v (the most recall at that precision);
 * - recall ≥ v: the highest threshold whose recall still reaches v (the most precision at that recall).
 * Thresholds are placed halfway between neighbouring distinct scores, so they generalise a little
 * better than a threshold sitting exactly on a training score.
 *
 * Example:
 *   tuneLabel([0.9, 0.8, 0.3, 0.2], [1, 1, 0, 1], { metric: 'precision', value: 1 }).threshold // → 0.55
 */
export function tuneLabel(scores: ArrayLike<number>, gold: ArrayLike<number>, target: TuneTarget): TunedLabel {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let support = 0;
  for (let i = 0; i < n; i++) support += gold[i] ? 1 : 0;
  // Walk down the scores; a cut after position k flags the k+1 highest-scored rows (ties kept together).
  let tp = 0;
  let flagged = 0;
  let best: { threshold: number; precision: number; recall: number; reached: boolean } | undefined;
  let closest = { threshold: 1, precision: 0, recall: 0, gap: Infinity };
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    tp += gold[i] ? 1 : 0;
    flagged++;
    const s = scores[i] as number;
    const next = k + 1 < n ? (scores[order[k + 1] as number] as number) : -Infinity;
    if (next === s) continue;
    const threshold = next === -Infinity ? s : (s + next) / 2;
    const precision = tp / flagged;
    const recall = support ? tp / support : 0;
    const got = target.metric === 'precision' ? precision : recall;
    if (got >= target.value) {
      // Precision: keep going down while it holds (lowest passing threshold). Recall: the first pass is the highest.
      if (target.metric === 'precision') best = { threshold, precision, recall, reached: true };
      else if (!best) best = { threshold, precision, recall, reached: true };
    }
    const gap = Math.abs(got - target.value);
    if (gap < closest.gap) closest = { threshold, precision, recall, gap };
  }
  const pick = best ?? { threshold: closest.threshold, precision: closest.precision, recall: closest.recall, reached: false };
  return { threshold: pick.threshold, target, reached: pick.reached, precision: pick.precision, recall: pick.recall, support };
}

/** Per-label scores and gold flags of evaluated rows, the input of tuning. */
export interface ScoredRows {
  scores: Record<Label, number>[];
  gold: Label[][];
}

/** Tune every label the spec names. */
export function tuneThresholds(rows: ScoredRows, spec: TuneSpec): Partial<Record<Label, TunedLabel>> {
  const out: Partial<Record<Label, TunedLabel>> = {};
  for (const label of LABELS) {
    const target = spec[label];
    if (!target) continue;
    out[label] = tuneLabel(
      rows.scores.map((s) => s[label]),
      rows.gold.map((g) => (g.includes(label) ? 1 : 0)),
      target,
    );
  }
  return out;
}

/**
 * An honest estimate of what tuned thresholds reach on rows they were not tuned on: tune on one
 * half, measure on the other, both ways, over seeded shuffles of the rows.
 */
export function crossCheckTuning(rows: ScoredRows, spec: TuneSpec, seed = 1): Partial<Record<Label, { precision: number; recall: number }>> {
  const n = rows.gold.length;
  const idx = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
  }
  const halves = [idx.filter((_, k) => k % 2 === 0), idx.filter((_, k) => k % 2 === 1)];
  const pick = (ix: number[]): ScoredRows => ({ scores: ix.map((i) => rows.scores[i] as Record<Label, number>), gold: ix.map((i) => rows.gold[i] as Label[]) });
  const counts: Partial<Record<Label, { tp: number; fp: number; fn: number }>> = {};
  for (const [a, b] of [[0, 1], [1, 0]] as const) {
    const tuned = tuneThresholds(pick(halves[a] as number[]), spec);
    for (const i of halves[b] as number[]) {
      for (const [label, t] of Object.entries(tuned) as Array<[Label, TunedLabel]>) {
        const c = (counts[label] ??= { tp: 0, fp: 0, fn: 0 });
        const p = (rows.scores[i] as Record<Label, number>)[label] >= t.threshold;
        const g = (rows.gold[i] as Label[]).includes(label);
        if (p && g) c.tp++;
        else if (p) c.fp++;
        else if (g) c.fn++;
      }
    }
  }
  const out: Partial<Record<Label, { precision: number; recall: number }>> = {};
  for (const [label, c] of Object.entries(counts) as Array<[Label, { tp: number; fp: number; fn: number }]>) {
    out[label] = { precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : 0, recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : 0 };
  }
  return out;
}
