import { describe, expect, it } from 'vitest';
import { crossCheckTuning, parseTuneSpec, tuneLabel, tuneThresholds, type ScoredRows } from '../src/eval/thresholds.js';
import { LABELS, type Label } from '../src/tagger/labels.js';
import { createRng } from '../src/util/rng.js';

/** Seeded scored rows: each label present with its own rate; positives score high, with overlap. */
function scoredRows(n: number, seed: number): ScoredRows {
  const rand = createRng(seed);
  const rows: ScoredRows = { scores: [], gold: [] };
  for (let i = 0; i < n; i++) {
    const gold: Label[] = [];
    const scores = {} as Record<Label, number>;
    LABELS.forEach((l, k) => {
      const pos = rand() < 0.1 + 0.05 * k;
      if (pos) gold.push(l);
      // Sum of uniforms: a bell shape, shifted up for positives; the classes overlap around 0.5.
      const z = (rand() + rand() + rand()) / 3;
      scores[l] = Math.min(1, Math.max(0, pos ? 0.25 + 0.75 * z : 0.7 * z));
    });
    rows.scores.push(scores);
    rows.gold.push(gold);
  }
  return rows;
}

function measure(rows: ScoredRows, label: Label, threshold: number): { precision: number; recall: number; flagged: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  rows.scores.forEach((s, i) => {
    const p = s[label] >= threshold;
    const g = (rows.gold[i] as Label[]).includes(label);
    if (p && g) tp++;
    else if (p) fp++;
    else if (g) fn++;
  });
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), flagged: tp + fp };
}

describe('parseTuneSpec', () => {
  it('reads general and per-label targets, the per-label one winning', () => {
    const spec = parseTuneSpec('precision=0.95, tool_use:recall=0.8');
    expect(spec.coding).toEqual({ metric: 'precision', value: 0.95 });
    expect(spec.tool_use).toEqual({ metric: 'recall', value: 0.8 });
    expect(Object.keys(parseTuneSpec('vision:precision=0.9'))).toEqual(['vision']);
  });

  it('rejects malformed targets with the reason', () => {
    expect(() => parseTuneSpec('precision=1.5')).toThrow(/value in \(0, 1\]/);
    expect(() => parseTuneSpec('accuracy=0.9')).toThrow(/expected precision=0.95/);
    expect(() => parseTuneSpec('cooking:precision=0.9')).toThrow(/unknown label "cooking"/);
    expect(() => parseTuneSpec(' , ')).toThrow(/empty/);
  });
});

describe('tuneLabel', () => {
  it('takes the lowest threshold that keeps precision, halfway between scores', () => {
    const t = tuneLabel([0.9, 0.8, 0.3, 0.2], [1, 1, 0, 1], { metric: 'precision', value: 1 });
    expect(t).toMatchObject({ threshold: 0.55, reached: true, precision: 1, recall: 2 / 3, support: 3 });
  });

  it('takes the highest threshold that keeps recall', () => {
    const t = tuneLabel([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0], { metric: 'recall', value: 1 });
    expect(t.threshold).toBeCloseTo(0.25, 10);
    expect(t).toMatchObject({ reached: true, recall: 1, precision: 2 / 3 });
  });

  it('keeps tied scores together and says when a target cannot be reached', () => {
    const t = tuneLabel([0.7, 0.7, 0.7], [1, 0, 0], { metric: 'precision', value: 0.9 });
    expect(t.reached).toBe(false);
    expect(t.precision).toBeCloseTo(1 / 3, 10);
  });
});

describe('tuneThresholds on a held-out fold', () => {
  it('hits the precision target on rows it was not tuned on', () => {
    const tuneOn = scoredRows(4000, 11);
    const heldOut = scoredRows(4000, 12);
    const tuned = tuneThresholds(tuneOn, parseTuneSpec('precision=0.9'));
    for (const label of LABELS) {
      const t = tuned[label];
      expect(t?.reached).toBe(true);
      const got = measure(heldOut, label, t?.threshold ?? 1);
      // Within three standard errors of the target (sampling noise on a few hundred flagged rows).
      expect(got.precision).toBeGreaterThan(0.9 - 3 * Math.sqrt((0.9 * 0.1) / got.flagged));
      expect(got.recall).toBeGreaterThan(0.2);
    }
  });

  it('hits the recall target on rows it was not tuned on, and the cross-check agrees', () => {
    const tuneOn = scoredRows(4000, 21);
    const heldOut = scoredRows(4000, 22);
    const spec = parseTuneSpec('recall=0.95');
    const tuned = tuneThresholds(tuneOn, spec);
    const cross = crossCheckTuning(tuneOn, spec);
    for (const label of LABELS) {
      const got = measure(heldOut, label, tuned[label]?.threshold ?? 0);
      expect(got.recall).toBeGreaterThan(0.92);
      expect(Math.abs((cross[label]?.recall ?? 0) - got.recall)).toBeLessThan(0.04);
    }
  });
});
