import { describe, expect, it } from 'vitest';
import { SmallestN, uncertainty } from '../src/tagger/uncertainty.js';
import type { Label } from '../src/tagger/labels.js';

const half = { reasoning: 0.5, tool_use: 0.5, coding: 0.5, vision: 0.5, censorship_probing: 0.5 } as Record<Label, number>;

describe('uncertainty', () => {
  it('finds the label nearest its threshold in log-odds', () => {
    const u = uncertainty({ reasoning: 0.48, tool_use: 0.01, coding: 0.9, vision: 0, censorship_probing: 0 }, half);
    expect(u.label).toBe('reasoning');
    expect(u.margin).toBeCloseTo(Math.abs(Math.log(0.48 / 0.52)), 6);
  });

  it('counts 0.99 vs 0.94 as further apart than 0.50 vs 0.45', () => {
    const t = { ...half, coding: 0.94, reasoning: 0.45 };
    const u = uncertainty({ reasoning: 0.5, tool_use: 0, coding: 0.99, vision: 0, censorship_probing: 0 }, t);
    expect(u.label).toBe('reasoning');
  });

  it('stays finite at probabilities of exactly 0 and 1', () => {
    const u = uncertainty({ reasoning: 1, tool_use: 0, coding: 1, vision: 0, censorship_probing: 0 }, half);
    expect(Number.isFinite(u.margin)).toBe(true);
  });
});

describe('SmallestN', () => {
  it('keeps the n smallest keys of a long stream, smallest first, ties in input order', () => {
    const k = new SmallestN<string>(3);
    for (let i = 0; i < 1000; i++) k.push((i * 7919) % 1000, `item${i}`);
    k.push(0, 'tie');
    expect(k.result()).toEqual(['item0', 'tie', 'item679']);
  });

  it('returns everything when the stream is shorter than n, and nothing for n = 0', () => {
    const k = new SmallestN<number>(10);
    [3, 1, 2].forEach((x) => k.push(x, x));
    expect(k.result()).toEqual([1, 2, 3]);
    const none = new SmallestN<number>(0);
    none.push(1, 1);
    expect(none.result()).toEqual([]);
  });
});
