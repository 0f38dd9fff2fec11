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
