import { Matrix, solve } from 'ml-matrix';
import type { SparseVector } from '../features/index.js';
import { createRng, shuffleInPlace } from '../util/rng.js';

/**
 * Weight of a positive example for a label with these 0/1 targets: sqrt(negatives / positives),
 * clipped to [1, 4], so a rare label is not drowned out and a common one is not inflated.
 *
 * Example:
 *   balancedPositiveWeight([1, 0, 0, 0, 0]) // → 2
 */
export function balancedPositiveWeight(ys: readonly number[]): number {
  const pos = ys.reduce((s, y) => s + y, 0);
  return Math.min(4, Math.max(1, Math.sqrt((ys.length - pos) / Math.max(1, pos))));
}

/** Hyper-parameters of one sparse logistic-regression head. */
export interface LogRegOptions {
  epochs: number;
  /** AdaGrad base learning rate. */
  rate: number;
  /** L2 penalty per example. */
  l2: number;
  seed: number;
  /** Weight on positive examples (balances rare labels). */
  positiveWeight: number;
}

export const DEFAULT_LOGREG: Readonly<LogRegOptions> = Object.freeze({
  epochs: 45,
  rate: 0.1,
  l2: 1e-6,
  seed: 1,
  positiveWeight: 1,
});

export interface LinearHead {
  weights: Float32Array;
  bias: number;
}

/** Raw margin w·x + b. @internal */
export function margin(head: LinearHead, x: SparseVector): number {
  let s = head.bias;
  const { idx, val } = x;
  const w = head.weights;
  for (let i = 0; i < idx.length; i++) s += (w[idx[i] as number] as number) * (val[i] as number);
  return s;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Train a binary logistic-regression head on sparse vectors with AdaGrad SGD and lazy-free L2
 * (the penalty is applied to touched weights only, which keeps an epoch linear in the non-zeros).
 * Deterministic for a given seed.
 * @internal
 *
 * Example:
 *   const head = trainLogReg(vectors, [1, 0, 1], 1 << 18, { ...DEFAULT_LOGREG });
 *   margin(head, vectors[0]) > 0 // → true
 */
export function trainLogReg(xs: SparseVector[], ys: ArrayLike<number>, dim: number, opts: LogRegOptions): LinearHead {
  if (xs.length !== ys.length) throw new RangeError(`distillscope: ${xs.length} vectors but ${ys.length} labels`);
  const w = new Float32Array(dim);
  const g2 = new Float32Array(dim);
  let b = 0;
  let gb2 = 0;
  const order = xs.map((_, i) => i);
  const rand = createRng(opts.seed);
  const head: LinearHead = { weights: w, bias: 0 };
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffleInPlace(order, rand);
    for (const i of order) {
      const x = xs[i] as SparseVector;
      const y = ys[i] as number;
      head.bias = b;
      const p = sigmoid(margin(head, x));
      const sw = y > 0 ? opts.positiveWeight : 1;
      const err = (p - y) * sw;
      const { idx, val } = x;
      for (let t = 0; t < idx.length; t++) {
        const j = idx[t] as number;
        const g = err * (val[t] as number) + opts.l2 * (w[j] as number);
        g2[j] = (g2[j] as number) + g * g;
        w[j] = (w[j] as number) - (opts.rate * g) / Math.sqrt((g2[j] as number) + 1e-8);
      }
      gb2 += err * err;
      b -= (opts.rate * err) / Math.sqrt(gb2 + 1e-8);
    }
  }
  head.bias = b;
  return head;
}

/**
 * Fit an L2-regularized logistic regression by iteratively reweighted least squares (ml-matrix
 * solves each Newton step). Deterministic; the fitted probabilities are calibrated on the
 * training batches by construction of the log-loss.
 * @internal
 *
 * Example:
 *   fitLogistic([[0], [0.2], [0.8], [1]], [0, 0, 1, 1], 1e-3).weights[0] > 0 // → true
 */
export function fitLogistic(xs: number[][], ys: number[], l2 = 1e-2, iterations = 50): { weights: number[]; bias: number } {
  const n = xs.length;
  const d = (xs[0]?.length ?? 0) + 1;
  const X = new Matrix(xs.map((r) => [...r, 1]));
  let w = Matrix.zeros(d, 1);
  for (let it = 0; it < iterations; it++) {
    const z = X.mmul(w);
    const p = z.to1DArray().map(sigmoid);
    const grad = Matrix.zeros(d, 1);
    const H = Matrix.zeros(d, d);
    for (let i = 0; i < n; i++) {
      const pi = p[i] as number;
      const s = Math.max(pi * (1 - pi), 1e-9);
      const e = pi - (ys[i] as number);
      for (let a = 0; a < d; a++) {
        const xa = X.get(i, a);
        grad.set(a, 0, grad.get(a, 0) + e * xa);
        for (let b = a; b < d; b++) H.set(a, b, H.get(a, b) + s * xa * X.get(i, b));
      }
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < a; b++) H.set(a, b, H.get(b, a));
      if (a < d - 1) {
        H.set(a, a, H.get(a, a) + l2 * n);
        grad.set(a, 0, grad.get(a, 0) + l2 * n * w.get(a, 0));
      }
    }
    const step = solve(H, grad);
    w = w.sub(step);
    if (step.norm() < 1e-8) break;
  }
  const all = w.to1DArray();
  return { weights: all.slice(0, d - 1), bias: all[d - 1] as number };
}
