import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, detectionAtFpr, PlainBaseline, rocAuc } from '../src/eval/traffic.js';

describe('rocAuc', () => {
  it('is 1 for perfect ranking, 0.5 for ties, and counts ties half', () => {
    expect(rocAuc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
    expect(rocAuc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBe(0.875);
    expect(rocAuc([0.3], [1])).toBeNaN();
  });
});

describe('detectionAtFpr', () => {
  it('keeps false positives within the allowed share', () => {
    const neg = Array.from({ length: 100 }, (_, i) => i / 100);
    const { threshold, tpr } = detectionAtFpr([0.995, 0.985, 0.5], neg, 0.01);
    expect(threshold).toBe(0.98);
    expect(neg.filter((s) => s > threshold).length).toBeLessThanOrEqual(1);
    expect(tpr).toBeCloseTo(2 / 3, 10);
  });
});

describe('adjustedRandIndex', () => {
  it('is 1 for identical partitions up to renaming, about 0 for random ones', () => {
    expect(adjustedRandIndex(['a', 'a', 'b', 'b', 'c'], [7, 7, 3, 3, 1])).toBe(1);
    expect(adjustedRandIndex(['a', 'a', 'b', 'b'], [1, 2, 1, 2])).toBeLessThan(0);
    const truth = Array.from({ length: 2000 }, (_, i) => i % 10);
    let x = 7;
    const random = truth.map(() => (x = (x * 1103515245 + 12345) % 2147483648) % 10);
    expect(Math.abs(adjustedRandIndex(truth, random))).toBeLessThan(0.02);
  });
});

describe('PlainBaseline', () => {
  it('scores repeats and shared openings per batch, and a lone prompt as 0', () => {
    const b = new PlainBaseline();
    for (const t of ['Translate this: hi', 'translate this: hi', 'Translate this: bye']) b.add('wrapper', t);
    for (const t of ['Plan a picnic.', 'Name my cat.', 'Write a haiku.']) b.add('person', t);
    b.add('once', 'Hello there');
    const s = b.scores();
    expect([...s.keys()]).toEqual(['wrapper', 'person', 'once']);
    // 2 distinct of 3 (1/3 repeats); openings "translate this: hi" twice of 3 (2/3)
    expect(s.get('wrapper')).toBeCloseTo(0.5, 10);
    expect(s.get('person')).toBeCloseTo(1 / 6, 10);
    expect(s.get('once')).toBe(0);
  });
});
