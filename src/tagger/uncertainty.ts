import { LABELS, type Label } from './labels.js';

/** How close a tag came to flipping: the label nearest its threshold, and the distance in log-odds. */
export interface Uncertainty {
  /** |logit(p) − logit(threshold)| for the nearest label; 0 = exactly on the threshold. */
  margin: number;
  label: Label;
}

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/**
 * The label whose score is nearest its threshold, measured in log-odds so that 0.50 vs 0.45 counts
 * as closer than 0.99 vs 0.94. Prompts with the smallest margin are the ones worth relabelling.
 *
 * Example:
 *   uncertainty({ reasoning: 0.48, tool_use: 0.01, coding: 0.9, vision: 0, censorship_probing: 0 },
 *               { reasoning: 0.5, tool_use: 0.5, coding: 0.5, vision: 0.5, censorship_probing: 0.5 }).label
 *   // → 'reasoning'
 */
export function uncertainty(scores: Record<Label, number>, thresholds: Record<Label, number>): Uncertainty {
  let best: Uncertainty = { margin: Infinity, label: LABELS[0] };
  for (const label of LABELS) {
    const m = Math.abs(logit(scores[label]) - logit(thresholds[label]));
    if (m < best.margin) best = { margin: m, label };
  }
  return best;
}

/**
 * Keep the `n` items with the smallest key from a stream, in memory O(n): items are appended and
 * the list is cut back to `n` whenever it doubles. Ties keep input order.
 */
export class SmallestN<T> {
  private items: Array<{ key: number; seq: number; item: T }> = [];
  private seq = 0;

  constructor(private readonly n: number) {}

  push(key: number, item: T): void {
    if (this.n <= 0) return;
    this.items.push({ key, seq: this.seq++, item });
    if (this.items.length >= 2 * this.n + 64) this.trim();
  }

  /** The kept items, smallest key first. */
  result(): T[] {
    this.trim();
    return this.items.map((x) => x.item);
  }

  private trim(): void {
    this.items.sort((a, b) => a.key - b.key || a.seq - b.seq);
    this.items.length = Math.min(this.items.length, this.n);
  }
}
