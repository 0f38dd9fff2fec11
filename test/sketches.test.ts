import { describe, expect, it } from 'vitest';
import { hashString } from '../src/features/hash.js';
import { mix32 } from '../src/batch/minhash.js';
import { BottomK, HyperLogLog, SpaceSaving } from '../src/batch/sketches.js';
import { createRng } from '../src/util/rng.js';

const promptHash = (i: number) => hashString(`Think step by step. Question ${i}: what is ${i} squared?`);

describe('HyperLogLog', () => {
  it('counts distinct values within 5% at 1k, 10k and 100k', () => {
    for (const n of [1_000, 10_000, 100_000]) {
      const hll = new HyperLogLog();
      for (let i = 0; i < n; i++) hll.add(promptHash(i));
      const error = Math.abs(hll.count() - n) / n;
      expect(error, `n = ${n}: estimate ${hll.count()}`).toBeLessThan(0.05);
    }
  });

  it('ignores repeats and keeps a fixed size however much it is fed', () => {
    const hll = new HyperLogLog();
    for (let i = 0; i < 5_000; i++) hll.add(promptHash(i));
    const before = hll.toJSON();
    for (let i = 0; i < 5_000; i++) hll.add(promptHash(i));
    expect(hll.toJSON()).toEqual(before);
    expect(Buffer.from(before.registers, 'base64')).toHaveLength(4096);
  });

  it('counts 0 when empty and 1 after one value', () => {
    const hll = new HyperLogLog();
    expect(hll.count()).toBe(0);
    hll.add(promptHash(1));
    expect(hll.count()).toBe(1);
    hll.add(promptHash(1));
    expect(hll.count()).toBe(1);
  });

  it('merges into exactly the sketch of the union', () => {
    const whole = new HyperLogLog();
    const first = new HyperLogLog();
    const second = new HyperLogLog();
    // Overlapping halves: 0..59 999 and 40 000..99 999.
    for (let i = 0; i < 100_000; i++) {
      whole.add(promptHash(i));
      if (i < 60_000) first.add(promptHash(i));
      if (i >= 40_000) second.add(promptHash(i));
    }
    const merged = HyperLogLog.fromJSON(first.toJSON()).merge(second);
    expect(merged.toJSON()).toEqual(whole.toJSON());
    expect(merged.count()).toBe(whole.count());
    expect(second.merge(first).toJSON()).toEqual(whole.toJSON());
  });

  it('round-trips through JSON and rejects malformed JSON', () => {
    const hll = new HyperLogLog(10);
    for (let i = 0; i < 3_000; i++) hll.add(promptHash(i));
    const json = JSON.parse(JSON.stringify(hll)) as ReturnType<HyperLogLog['toJSON']>;
    expect(json).toMatchObject({ format: 'distillscope.hyperloglog', version: 1, precision: 10 });
    const back = HyperLogLog.fromJSON(json);
    expect(back.count()).toBe(hll.count());
    expect(back.precision).toBe(10);
    expect(() => HyperLogLog.fromJSON(null)).toThrow(TypeError);
    expect(() => HyperLogLog.fromJSON({ ...json, version: 2 })).toThrow(/^distillscope: expected distillscope.hyperloglog v1, received distillscope.hyperloglog v2/);
    expect(() => HyperLogLog.fromJSON({ ...json, precision: 12 })).toThrow(/1024 bytes|4096 bytes/);
    expect(() => HyperLogLog.fromJSON({ ...json, registers: Buffer.alloc(1024, 40).toString('base64') })).toThrow(RangeError);
    expect(() => HyperLogLog.fromJSON({ ...json, registers: 7 })).toThrow(TypeError);
  });

  it('rejects bad precisions, mismatched merges and values that are not 32-bit integers', () => {
    expect(() => new HyperLogLog(3)).toThrow(/^distillscope: HyperLogLog precision must be an integer from 4 to 16, received 3/);
    expect(() => new HyperLogLog(12.5)).toThrow(RangeError);
    expect(() => new HyperLogLog(12).merge(new HyperLogLog(14))).toThrow(/^distillscope: cannot merge HyperLogLog sketches of precision 12 and 14/);
    const hll = new HyperLogLog();
    for (const bad of [Number.NaN, 1.5, 2 ** 32, -(2 ** 31) - 1, Number.POSITIVE_INFINITY]) {
      expect(() => hll.add(bad)).toThrow(/^distillscope: HyperLogLog hash must be a 32-bit integer/);
    }
    // Math.imul gives signed results: they read as the same unsigned bits.
    const signed = new HyperLogLog();
    signed.add(-1);
    const unsigned = new HyperLogLog();
    unsigned.add(0xffffffff);
    expect(signed.toJSON()).toEqual(unsigned.toJSON());
  });
});

/** A skewed stream of template ids: a few campaigns send most traffic, a long tail sends the rest. */
function templateStream(seed: number, length: number, heavy: Record<string, number>): string[] {
  const rand = createRng(seed);
  const entries = Object.entries(heavy);
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    let r = rand();
    let key: string | undefined;
    for (const [k, share] of entries) {
      if (r < share) {
        key = k;
        break;
      }
      r -= share;
    }
    out.push(key ?? `tail-${Math.floor(rand() * 20_000)}`);
  }
  return out;
}

function truth(stream: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of stream) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** Every counter brackets the truth, and every key heavier than total/capacity is kept. */
function expectGuarantees(ss: SpaceSaving<string>, counts: Map<string, number>): void {
  const top = ss.top();
  expect(top.length).toBeLessThanOrEqual(ss.capacity);
  for (const { key, count, error } of top) {
    const t = counts.get(key) ?? 0;
    expect(count).toBeGreaterThanOrEqual(t);
    expect(count - error).toBeLessThanOrEqual(t);
  }
  const kept = new Set(top.map((c) => c.key));
  for (const [key, t] of counts) if (t > ss.total / ss.capacity) expect(kept.has(key), key).toBe(true);
}

describe('SpaceSaving', () => {
  it('follows the documented example', () => {
    const ss = new SpaceSaving<string>(2);
    for (const k of ['a', 'b', 'a', 'c', 'a']) ss.add(k);
    expect(ss.top(2)).toEqual([
      { key: 'a', count: 3, error: 0 },
      { key: 'c', count: 2, error: 1 },
    ]);
    expect(ss.total).toBe(5);
  });

  it('always finds keys above total/capacity, with counts that overestimate by at most their error', () => {
    const heavy = { 'tmpl:think-step-by-step': 0.12, 'tmpl:json-cot': 0.06, 'tmpl:translate-zh': 0.03, 'tmpl:rubric': 0.02 };
    for (const seed of [1, 2, 3]) {
      const stream = templateStream(seed, 50_000, heavy);
      const ss = new SpaceSaving<string>();
      for (const k of stream) ss.add(k);
      expect(ss.total).toBe(50_000);
      expect(ss.size).toBe(64);
      expectGuarantees(ss, truth(stream));
      expect(ss.top(4).map((c) => c.key)).toEqual(Object.keys(heavy));
    }
  });

  it('keeps the guarantees with weights', () => {
    const ss = new SpaceSaving<number>(8);
    const counts = new Map<number, number>();
    const rand = createRng(5);
    let total = 0;
    for (let i = 0; i < 5_000; i++) {
      const key = rand() < 0.3 ? 7 : Math.floor(rand() * 500);
      const weight = Math.floor(rand() * 5) + 0.5;
      ss.add(key, weight);
      counts.set(key, (counts.get(key) ?? 0) + weight);
      total += weight;
    }
    expect(ss.total).toBeCloseTo(total, 6);
    const seven = ss.top(1)[0];
    expect(seven?.key).toBe(7);
    expect(seven?.count).toBeGreaterThanOrEqual(counts.get(7) as number);
    expect((seven?.count ?? 0) - (seven?.error ?? 0)).toBeLessThanOrEqual(counts.get(7) as number);
  });

  it('merges halves into a summary with the same guarantees as one over the whole stream', () => {
    // The halves differ: one campaign runs only in the first half, another only in the second.
    const first = templateStream(11, 30_000, { 'tmpl:a': 0.1, 'tmpl:b': 0.04 });
    const second = templateStream(12, 30_000, { 'tmpl:a': 0.05, 'tmpl:c': 0.08 });
    const whole = [...first, ...second];
    const s1 = new SpaceSaving<string>();
    const s2 = new SpaceSaving<string>();
    const all = new SpaceSaving<string>();
    for (const k of first) s1.add(k);
    for (const k of second) s2.add(k);
    for (const k of whole) all.add(k);
    const merged = SpaceSaving.fromJSON<string>(s1.toJSON()).merge(s2);
    expect(merged.total).toBe(all.total);
    expect(merged.size).toBeLessThanOrEqual(merged.capacity);
    const counts = truth(whole);
    expectGuarantees(merged, counts);
    expectGuarantees(all, counts);
    expect(merged.top(3).map((c) => c.key)).toEqual(all.top(3).map((c) => c.key));
    expect(merged.top(3).map((c) => c.key)).toEqual(['tmpl:a', 'tmpl:c', 'tmpl:b']);
  });

  it('keeps its guarantees whether it finds keys by scanning (capacity up to 64) or through a map, rebuilt on load', () => {
    // Above 64 counters keys are found through a map; the counters must not depend on which.
    const stream = templateStream(21, 20_000, { 'tmpl:a': 0.05, 'tmpl:b': 0.02 });
    const scan = new SpaceSaving<string>(64);
    const mapped = new SpaceSaving<string>(65);
    const reference = new SpaceSaving<string>(65);
    for (const k of stream) {
      scan.add(k);
      mapped.add(k);
    }
    // The same 65-counter summary, rebuilt from JSON and fed the rest: the map is rebuilt by load.
    for (const k of stream.slice(0, 10_000)) reference.add(k);
    const resumed = SpaceSaving.fromJSON<string>(reference.toJSON());
    for (const k of stream.slice(10_000)) resumed.add(k);
    expect(resumed.top()).toEqual(mapped.top());
    expectGuarantees(scan, truth(stream));
    expectGuarantees(mapped, truth(stream));
    expect(mapped.top(2).map((c) => c.key)).toEqual(['tmpl:a', 'tmpl:b']);
    expect(scan.top(2).map((c) => c.key)).toEqual(['tmpl:a', 'tmpl:b']);
  });

  it('merges summaries that are not full exactly', () => {
    const a = new SpaceSaving<string>(8);
    const b = new SpaceSaving<string>(8);
    for (const k of ['x', 'y', 'x']) a.add(k);
    for (const k of ['x', 'z']) b.add(k, 2);
    expect(a.merge(b).top()).toEqual([
      { key: 'x', count: 4, error: 0 },
      { key: 'z', count: 2, error: 0 },
      { key: 'y', count: 1, error: 0 },
    ]);
    expect(a.total).toBe(7);
    expect(new SpaceSaving<string>().merge(new SpaceSaving<string>()).top()).toEqual([]);
  });

  it('handles empty and one-item summaries, and weight 0', () => {
    const ss = new SpaceSaving<string>();
    expect(ss.top()).toEqual([]);
    expect(ss.total).toBe(0);
    ss.add('only', 0);
    expect(ss.size).toBe(0);
    ss.add('only');
    expect(ss.top()).toEqual([{ key: 'only', count: 1, error: 0 }]);
    expect(ss.top(0)).toEqual([]);
  });

  it('rejects NaN, negative and infinite weights, bad keys and bad sizes, naming the package', () => {
    const ss = new SpaceSaving<string>();
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() => ss.add('k', bad)).toThrow(/^distillscope: SpaceSaving weights must be finite numbers ≥ 0/);
    }
    expect(() => ss.add(Number.NaN as unknown as string)).toThrow(TypeError);
    expect(() => ss.add({} as unknown as string)).toThrow(/^distillscope: SpaceSaving keys must be strings or finite numbers/);
    expect(ss.total).toBe(0);
    expect(() => ss.top(-1)).toThrow(RangeError);
    expect(() => new SpaceSaving(0)).toThrow(/^distillscope: SpaceSaving capacity must be a positive integer/);
    expect(() => new SpaceSaving<string>(8).merge(new SpaceSaving<string>(16))).toThrow(/^distillscope: cannot merge SpaceSaving sketches of different capacity/);
  });

  it('round-trips through JSON, keeps behaving the same, and rejects malformed JSON', () => {
    const stream = templateStream(3, 5_000, { 'tmpl:a': 0.2 });
    const ss = new SpaceSaving<string>(16);
    for (const k of stream.slice(0, 2_500)) ss.add(k);
    const json = JSON.parse(JSON.stringify(ss)) as ReturnType<SpaceSaving<string>['toJSON']>;
    expect(json).toMatchObject({ format: 'distillscope.space-saving', version: 1, capacity: 16, total: 2_500 });
    const back = SpaceSaving.fromJSON<string>(json);
    for (const k of stream.slice(2_500)) {
      ss.add(k);
      back.add(k);
    }
    expect(back.toJSON()).toEqual(ss.toJSON());
    expect(() => SpaceSaving.fromJSON({ ...json, format: 'distillscope.hyperloglog' })).toThrow(RangeError);
    expect(() => SpaceSaving.fromJSON({ ...json, total: -3 })).toThrow(RangeError);
    expect(() => SpaceSaving.fromJSON({ ...json, capacity: 2 })).toThrow(/at most 2 entries/);
    expect(() => SpaceSaving.fromJSON({ ...json, counters: [{ key: 'a', count: 1, error: 2 }] })).toThrow(/error > count/);
    expect(() => SpaceSaving.fromJSON({ ...json, counters: [{ key: 'a', count: 1, error: 0 }, { key: 'a', count: 1, error: 0 }] })).toThrow(/repeated/);
    expect(() => SpaceSaving.fromJSON({ ...json, counters: [null] })).toThrow(TypeError);
  });
});

describe('BottomK', () => {
  it('follows the documented example', () => {
    const s = new BottomK<string>(2);
    s.add(30, 'c');
    s.add(10, 'a');
    s.add(20, 'b');
    expect(s.items()).toEqual(['a', 'b']);
    expect(s.merge(new BottomK<string>(2).add(5, 'z')).items()).toEqual(['z', 'a']);
  });

  it('bounds what it admits: everything until full, then keys below the largest held', () => {
    const s = new BottomK<string>(2);
    expect(s.bound()).toBe(2 ** 32);
    s.add(30, 'c');
    expect(s.bound()).toBe(2 ** 32);
    s.add(10, 'a');
    expect(s.bound()).toBe(30);
    expect([s.admits(29), s.admits(30), s.admits(31)]).toEqual([true, false, false]);
    s.add(20, 'b');
    expect(s.bound()).toBe(20);
  });

  it('says which item an offer pushed out', () => {
    const s = new BottomK<string>(2);
    expect([s.offer(30, 'c'), s.offer(10, 'a')]).toEqual([undefined, undefined]);
    expect(s.offer(40, 'd')).toBeUndefined(); // not admitted
    expect(s.offer(20, 'b')).toBe('c');
    expect(s.offer(20, 'again')).toBeUndefined(); // key already held
    expect(s.items()).toEqual(['a', 'b']);
  });

  it('gives a uniform sample when keys are random', () => {
    const n = 2_000;
    const k = 64;
    const trials = 500;
    const perDecile = new Array<number>(10).fill(0);
    const rand = createRng(17);
    for (let t = 0; t < trials; t++) {
      const s = new BottomK<number>(k);
      for (let i = 0; i < n; i++) s.add(Math.floor(rand() * 2 ** 32), i);
      expect(s.size).toBe(k);
      for (const i of s.items()) perDecile[Math.floor((i * 10) / n)]! += 1;
    }
    // Each decile of the stream should hold a tenth of all picks (3 200; sd ≈ 54).
    for (const c of perDecile) expect(Math.abs(c - (trials * k) / 10)).toBeLessThan(250);
  });

  it('merging two sketches gives the same sample as one sketch over the union', () => {
    const key = (text: string) => mix32(hashString(text));
    const prompts = Array.from({ length: 5_000 }, (_, i) => `Solve step by step: what is ${i} + ${i * 7}?`);
    const whole = new BottomK<string>(100);
    const first = new BottomK<string>(100);
    const second = new BottomK<string>(100);
    prompts.forEach((p, i) => {
      whole.add(key(p), p);
      if (i < 3_000) first.add(key(p), p);
      if (i >= 2_000) second.add(key(p), p);
    });
    const firstEntries = first.entries();
    expect(first.merge(second).entries()).toEqual(whole.entries());
    const again = new BottomK<string>(100);
    for (const { key: k, item } of firstEntries) again.add(k, item);
    expect(second.merge(again).items()).toEqual(whole.items());
  });

  it('keeps a repeated key once, and handles empty and capacity-1 sketches', () => {
    const s = new BottomK<string>(3);
    expect(s.items()).toEqual([]);
    expect(s.size).toBe(0);
    s.add(5, 'first').add(5, 'again').add(7, 'b');
    expect(s.items()).toEqual(['first', 'b']);
    const one = new BottomK<string>(1);
    for (const [k, v] of [[9, 'x'], [3, 'y'], [4, 'z']] as const) one.add(k, v);
    expect(one.entries()).toEqual([{ key: 3, item: 'y' }]);
    expect(new BottomK<string>(4).merge(new BottomK<string>(4)).size).toBe(0);
  });

  it('reads signed keys as unsigned and rejects keys that are not 32-bit integers', () => {
    const s = new BottomK<string>(2);
    s.add(-1, 'max').add(0, 'zero');
    expect(s.entries()).toEqual([
      { key: 0, item: 'zero' },
      { key: 0xffffffff, item: 'max' },
    ]);
    for (const bad of [Number.NaN, 0.5, 2 ** 32, -(2 ** 31) - 1]) {
      expect(() => s.add(bad, 'bad')).toThrow(/^distillscope: BottomK key must be a 32-bit integer/);
    }
    expect(() => new BottomK(0)).toThrow(/^distillscope: BottomK capacity/);
    expect(() => new BottomK<string>(2).merge(new BottomK<string>(3))).toThrow(RangeError);
  });
});
