import { LABELS, NONE, type Label } from '../tagger/labels.js';

/** The six evaluation classes: the five labels, and `none` for a prompt with no label. */
export const CLASSES = Object.freeze([...LABELS, NONE] as const);
export type EvalClass = (typeof CLASSES)[number];

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Gold rows carrying the class. */
  support: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface EvalReport {
  n: number;
  perClass: Record<EvalClass, ClassMetrics>;
  macroF1: number;
  /** Rows whose predicted label set equals the gold set. */
  exactMatch: number;
  /** confusion[gold][predicted]: for each gold class of a row, each predicted class of that row. */
  confusion: Record<EvalClass, Record<EvalClass, number>>;
}

const asClasses = (labels: readonly Label[]): EvalClass[] => (labels.length ? [...labels] : [NONE]);

/**
 * Per-class precision/recall/F1, macro-F1 over the six classes, exact match and a confusion table,
 * for multi-label gold and predicted label sets.
 *
 * Example:
 *   evaluate([['coding'], []], [['coding'], ['coding']]).perClass.coding.precision // → 0.5
 */
export function evaluate(gold: readonly (readonly Label[])[], pred: readonly (readonly Label[])[]): EvalReport {
  if (gold.length !== pred.length) throw new RangeError(`distillscope: ${gold.length} gold rows but ${pred.length} predictions`);
  const confusion = Object.fromEntries(
    CLASSES.map((g) => [g, Object.fromEntries(CLASSES.map((p) => [p, 0]))]),
  ) as Record<EvalClass, Record<EvalClass, number>>;
  const counts = Object.fromEntries(CLASSES.map((c) => [c, { tp: 0, fp: 0, fn: 0, support: 0 }])) as Record<
    EvalClass,
    { tp: number; fp: number; fn: number; support: number }
  >;
  let exact = 0;
  gold.forEach((g, i) => {
    const gs = new Set(asClasses(g));
    const ps = new Set(asClasses(pred[i] as Label[]));
    if (gs.size === ps.size && [...gs].every((c) => ps.has(c))) exact++;
    for (const c of CLASSES) {
      const inG = gs.has(c);
      const inP = ps.has(c);
      if (inG) counts[c].support++;
      if (inG && inP) counts[c].tp++;
      else if (inP) counts[c].fp++;
      else if (inG) counts[c].fn++;
    }
    for (const gc of gs) for (const pc of ps) confusion[gc][pc]++;
  });
  const perClass = {} as Record<EvalClass, ClassMetrics>;
  for (const c of CLASSES) {
    const { tp, fp, fn, support } = counts[c];
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perClass[c] = { precision, recall, f1, support, tp, fp, fn };
  }
  const present = CLASSES.filter((c) => perClass[c].support > 0 || perClass[c].fp > 0);
  const macroF1 = present.length ? present.reduce((s, c) => s + perClass[c].f1, 0) / present.length : 0;
  return { n: gold.length, perClass, macroF1, exactMatch: gold.length ? exact / gold.length : 0, confusion };
}

/** Expected calibration error over equal-width probability bins. */
export function expectedCalibrationError(probs: ArrayLike<number>, ys: ArrayLike<number>, bins = 10): number {
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const cnt = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + (ys[i] as number);
    cnt[b] = (cnt[b] as number) + 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = cnt[b] as number;
    if (c > 0) ece += (c / probs.length) * Math.abs((sumP[b] as number) / c - (sumY[b] as number) / c);
  }
  return ece;
}

/** Render a report as aligned text tables (per class, then the confusion table). */
export function formatReport(r: EvalReport, title = ''): string {
  const f = (x: number): string => x.toFixed(3);
  const rows = [
    `${title ? `${title}\n` : ''}class                precision  recall  f1     support`,
    ...CLASSES.map((c) => {
      const m = r.perClass[c];
      return `${c.padEnd(20)} ${f(m.precision).padStart(9)}  ${f(m.recall).padStart(6)}  ${f(m.f1)}  ${String(m.support).padStart(7)}`;
    }),
    `${'macro-F1'.padEnd(20)} ${''.padStart(9)}  ${''.padStart(6)}  ${f(r.macroF1)}  ${String(r.n).padStart(7)}`,
    `exact match ${f(r.exactMatch)}`,
    '',
    `confusion (rows gold, columns predicted)`,
    `${''.padEnd(20)}${CLASSES.map((c) => c.slice(0, 9).padStart(10)).join('')}`,
    ...CLASSES.map((g) => `${g.padEnd(20)}${CLASSES.map((p) => String(r.confusion[g][p]).padStart(10)).join('')}`),
  ];
  return rows.join('\n');
}
