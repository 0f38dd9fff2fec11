import { Matrix, solve } from 'ml-matrix';
import { sigmoid } from './logreg.js';

/** Platt scaling: p = sigmoid(a · margin + b). */
export interface Platt {
  a: number;
  b: number;
}

/**
 * Fit Platt scaling on held-out margins by Newton's method, with Platt's smoothed targets
 * ((n+ + 1)/(n+ + 2), 1/(n- + 2)) so a separable fold does not drive the slope to infinity.
 *
 * Example:
 *   fitPlatt([-3, -1, 2, 4], [0, 0, 1, 1]) // → { a: 0.9…, b: -0.1… }
 */
export function fitPlatt(margins: ArrayLike<number>, ys: ArrayLike<number>): Platt {
  const n = margins.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += (ys[i] as number) > 0 ? 1 : 0;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (n - pos + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 50; iter++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 1e-9;
    let h01 = 0;
    let h11 = 1e-9;
    for (let i = 0; i < n; i++) {
      const m = margins[i] as number;
      const t = (ys[i] as number) > 0 ? hi : lo;
      const p = sigmoid(a * m + b);
      const d = p - t;
      const s = p * (1 - p);
      g0 += d * m;
      g1 += d;
      h00 += s * m * m;
      h01 += s * m;
      h11 += s;
    }
    const step = solve(new Matrix([[h00, h01], [h01, h11]]), Matrix.columnVector([g0, g1]));
    const da = step.get(0, 0);
    const db = step.get(1, 0);
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b };
}

/** Apply Platt scaling to a margin. */
export function applyPlatt(p: Platt, m: number): number {
  return sigmoid(p.a * m + p.b);
}

/**
 * The threshold on calibrated probabilities that maximises F1 on held-out predictions,
 * kept inside [min, max] so one odd fold cannot set an extreme cut.
 */
export function bestF1Threshold(probs: ArrayLike<number>, ys: ArrayLike<number>, min = 0.15, max = 0.85): number {
  const pairs: Array<[number, number]> = [];
  let pos = 0;
  for (let i = 0; i < probs.length; i++) {
    pairs.push([probs[i] as number, ys[i] as number]);
    pos += (ys[i] as number) > 0 ? 1 : 0;
  }
  pairs.sort((x, y) => y[0] - x[0]);
  let tp = 0;
  let fp = 0;
  let best = 0.5;
  let bestF1 = -1;
  for (let i = 0; i < pairs.length; i++) {
    const [p, y] = pairs[i] as [number, number];
    if (y > 0) tp++;
    else fp++;
    const next = pairs[i + 1]?.[0] ?? 0;
    if (next === p) continue;
    const f1 = (2 * tp) / (2 * tp + fp + (pos - tp));
    const cut = (p + next) / 2;
    if (f1 > bestF1 && cut >= min && cut <= max) {
      bestF1 = f1;
      best = cut;
    }
  }
  return best;
}

/**
 * Logistic regression on a few dense inputs by Newton's method (with a small ridge and Platt's
 * smoothed targets, as in {@link fitPlatt}); returns the weights, then the bias last. Used to
 * stack the held-out margins of two heads into one calibrated probability.
 *
 * Example:
 *   fitLogistic([[-2, -1], [-1, -2], [1, 2], [2, 1]], [0, 0, 1, 1]) // → [0.8…, 0.8…, 0]
 */
export function fitLogistic(rows: readonly (readonly number[])[], ys: ArrayLike<number>, ridge = 1e-3): number[] {
  const n = rows.length;
  const d = (rows[0]?.length ?? 0) + 1;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += (ys[i] as number) > 0 ? 1 : 0;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (n - pos + 2);
  const w = new Array<number>(d).fill(0);
  const x = new Array<number>(d).fill(1);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(d).fill(0);
    const h = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => (a === b ? ridge : 0)));
    for (let i = 0; i < n; i++) {
      const r = rows[i] as readonly number[];
      for (let a = 0; a < d - 1; a++) x[a] = r[a] as number;
      let z = 0;
      for (let a = 0; a < d; a++) z += (w[a] as number) * (x[a] as number);
      const p = sigmoid(z);
      const t = (ys[i] as number) > 0 ? hi : lo;
      const s = p * (1 - p);
      for (let a = 0; a < d; a++) {
        g[a] = (g[a] as number) + (p - t) * (x[a] as number);
        const ha = h[a] as number[];
        for (let b = 0; b < d; b++) ha[b] = (ha[b] as number) + s * (x[a] as number) * (x[b] as number);
      }
    }
    for (let a = 0; a < d - 1; a++) g[a] = (g[a] as number) + ridge * (w[a] as number);
    const step = solve(new Matrix(h), Matrix.columnVector(g));
    let moved = 0;
    for (let a = 0; a < d; a++) {
      const s = step.get(a, 0);
      w[a] = (w[a] as number) - s;
      moved += Math.abs(s);
    }
    if (moved < 1e-9) break;
  }
  return w;
}
