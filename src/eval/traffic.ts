/** Metrics for batch scoring and campaign linking over accounts. */

/**
 * ROC-AUC (probability that a random positive outscores a random negative; ties count half).
 *
 * Example: rocAuc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]) // → 1
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const avgRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if ((labels[idx[k] as number] as number) > 0) {
      rankSum += avgRank;
      pos++;
    }
    i = j + 1;
  }
  const neg = idx.length - pos;
  if (!pos || !neg) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/**
 * The score threshold that keeps the false-positive rate on negatives at or below `fpr`, and the
 * share of positives at or above it.
 *
 * Example: detectionAtFpr([0.9, 0.7], [0.8, 0.1, 0.2], 0.34) // → { threshold: 0.8, tpr: 0.5 }
 */
export function detectionAtFpr(positives: readonly number[], negatives: readonly number[], fpr: number): { threshold: number; tpr: number } {
  const neg = [...negatives].sort((a, b) => b - a);
  const allowed = Math.floor(fpr * neg.length);
  // Flag scores strictly above the (allowed+1)-th highest negative.
  const threshold = neg[allowed] ?? -Infinity;
  const tpr = positives.length ? positives.filter((s) => s > threshold).length / positives.length : Number.NaN;
  return { threshold, tpr };
}

/**
 * Adjusted Rand index between two labelings of the same items.
 *
 * Example: adjustedRandIndex(['a', 'a', 'b', 'b'], [1, 1, 2, 2]) // → 1
 */
export function adjustedRandIndex(truth: readonly unknown[], pred: readonly unknown[]): number {
  const n = truth.length;
  const c2 = (x: number): number => (x * (x - 1)) / 2;
  const table = new Map<string, number>();
  const a = new Map<unknown, number>();
  const b = new Map<unknown, number>();
  for (let i = 0; i < n; i++) {
    const key = `${String(truth[i])}\u0000${String(pred[i])}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    a.set(truth[i], (a.get(truth[i]) ?? 0) + 1);
    b.set(pred[i], (b.get(pred[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const v of table.values()) index += c2(v);
  let sa = 0;
  for (const v of a.values()) sa += c2(v);
  let sb = 0;
  for (const v of b.values()) sb += c2(v);
  const expected = (sa * sb) / c2(n);
  const max = (sa + sb) / 2;
  return max === expected ? 1 : (index - expected) / (max - expected);
}

/**
 * The plain baseline batch scores are compared with: per batch, the mean of the exact-repeat rate
 * (1 − distinct texts / n) and the share of prompts opening with the batch's most common first five
 * words (0 for a one-prompt batch). Keeps every distinct text: for evaluation and benchmarks only.
 *
 * Example:
 *   const b = new PlainBaseline();
 *   b.add('a', 'Please translate this message now: hi'); b.add('a', 'Please translate this message now: hi'); b.add('a', 'Please translate this message now: bye');
 *   b.scores().get('a') // → (1/3 + 1) / 2 ≈ 0.667
 */
export class PlainBaseline {
  private readonly batches = new Map<string, { n: number; texts: Set<string>; openings: Map<string, number> }>();

  add(batch: string, text: string): void {
    let b = this.batches.get(batch);
    if (!b) this.batches.set(batch, (b = { n: 0, texts: new Set(), openings: new Map() }));
    const flat = text.trim().toLowerCase();
    b.n++;
    b.texts.add(flat);
    const opening = flat.split(/\s+/).slice(0, 5).join(' ');
    b.openings.set(opening, (b.openings.get(opening) ?? 0) + 1);
  }

  /** Baseline score per batch, in first-seen order. */
  scores(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [name, b] of this.batches) {
      const exact = 1 - b.texts.size / b.n;
      const opening = b.n > 1 ? Math.max(...b.openings.values()) / b.n : 0;
      out.set(name, (exact + opening) / 2);
    }
    return out;
  }
}
