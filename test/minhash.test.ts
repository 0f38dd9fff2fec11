import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LSH,
  LshIndex,
  estimateJaccard,
  exactJaccard,
  lshBandKeys,
  minhashSignature,
  onePermutationSignature,
  shingleHashes,
  wordShingleSignature,
} from '../src/batch/minhash.js';
import { createRng } from '../src/util/rng.js';

const SCAFFOLD = 'Think step by step inside <think></think> tags, then give the final answer in \\boxed{}.';

/** Realistic prompt pairs, from near-copies to unrelated requests. */
const PAIRS: Array<[string, string, string]> = [
  [
    'same scaffold, different question',
    `${SCAFFOLD} Question: A train leaves Paris at 9:00 travelling at 120 km/h and another leaves Lyon at 10:00 at 150 km/h. When do they meet if the cities are 465 km apart?`,
    `${SCAFFOLD} Question: How many prime numbers lie between 10 and 50, and what is their sum?`,
  ],
  [
    'same question, one number changed',
    `${SCAFFOLD} Question: A rectangle has a perimeter of 46 cm and an area of 120 square centimetres. Find the length of its diagonal.`,
    `${SCAFFOLD} Question: A rectangle has a perimeter of 34 cm and an area of 60 square centimetres. Find the length of its diagonal.`,
  ],
  [
    'paraphrase',
    'Write a Python function that merges two sorted lists into one sorted list without using the built-in sort, and explain its time complexity.',
    'Write a Python function which merges two sorted lists into a single sorted list without calling sort(), then explain the time complexity.',
  ],
  [
    'unrelated',
    'Give me a recipe for a vegetarian lasagne that serves six people, with a shopping list.',
    'Summarize the main differences between a Roth IRA and a traditional IRA for a first-time investor.',
  ],
  [
    'Chinese scaffold',
    '请一步一步思考,把推理过程写在<think>标签里,最后给出答案。问题:小明有15个苹果,吃掉了3个,又买了8个,现在有几个?',
    '请一步一步思考,把推理过程写在<think>标签里,最后给出答案。问题:一个长方形的长是8米,宽是5米,面积是多少?',
  ],
];

const sigOf = (text: string, numHashes = 64, seed = 1, kind: 'word' | 'char' = 'word') =>
  minhashSignature(shingleHashes(text, { kind }), numHashes, seed);

/** Random pseudo-words from a seeded generator, so generated pairs share shingles only where we put them. */
function vocabulary(rand: () => number, size: number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = new Set<string>();
  while (words.size < size) {
    let w = '';
    const len = 3 + Math.floor(rand() * 7);
    for (let i = 0; i < len; i++) w += letters[Math.floor(rand() * 26)];
    words.add(w);
  }
  return [...words];
}

describe('shingleHashes', () => {
  it('makes sorted, deduplicated word 3-shingles of lower-cased letter/digit runs', () => {
    const s = shingleHashes('Think step by step. THINK STEP BY step!');
    // think step by / step by step / by step think / step think step / (think step by, step by step repeat)
    expect(s.length).toBe(4);
    expect([...s]).toEqual([...s].sort((a, b) => a - b));
    expect(shingleHashes('Think, step-by-step!')).toEqual(shingleHashes('think step by step'));
    expect(shingleHashes('solve 2x + 3 = 7')).toEqual(shingleHashes('Solve 2x 3 7'));
  });

  it('gives one shingle for short texts and none for empty ones', () => {
    expect(shingleHashes('Hi!').length).toBe(1);
    expect(shingleHashes('Hello there').length).toBe(1);
    expect(shingleHashes('Hello there')).not.toEqual(shingleHashes('Hello'));
    expect(shingleHashes('').length).toBe(0);
    expect(shingleHashes(' \n\t !?').length).toBe(0);
    expect(shingleHashes('', { kind: 'char' }).length).toBe(0);
    expect(shingleHashes('   ', { kind: 'char' }).length).toBe(0);
    expect(shingleHashes('abc', { kind: 'char' }).length).toBe(1);
  });

  it('makes character 5-grams over lower-cased, whitespace-collapsed text', () => {
    expect(shingleHashes('abcdef', { kind: 'char' }).length).toBe(2);
    expect(shingleHashes('  Hello\n\n  World ', { kind: 'char' })).toEqual(shingleHashes('hello world', { kind: 'char' }));
    expect(shingleHashes('hello world', { kind: 'char', size: 3 }).length).toBe(9);
    // An astral character is one code point, not two code units.
    expect(shingleHashes('ab😀cd', { kind: 'char' }).length).toBe(1);
  });

  it('treats each Han, Hiragana and Katakana character as a word', () => {
    expect(shingleHashes('请一步一步思考').length).toBe(5);
    expect(shingleHashes('请 一步 一步 思考')).toEqual(shingleHashes('请一步一步思考'));
    expect(shingleHashes('ステップごとに考えて').length).toBe(8);
    // Mixed runs split at the script boundary: "GPT" stays one token.
    expect(shingleHashes('用GPT回答')).toEqual(shingleHashes('用 gpt 回 答'));
    const [, zhA, zhB] = PAIRS[4] as [string, string, string];
    const j = exactJaccard(shingleHashes(zhA), shingleHashes(zhB));
    expect(j).toBeGreaterThan(0.3);
    expect(j).toBeLessThan(0.8);
  });

  it('rejects bad options and non-strings, naming the package', () => {
    expect(() => shingleHashes('x', { size: 0 })).toThrow(/^distillscope: shingle size must be a positive integer/);
    expect(() => shingleHashes('x', { size: 2.5 })).toThrow(RangeError);
    expect(() => shingleHashes('x', { kind: 'line' as 'word' })).toThrow(/Must be one of \[word,char\]/);
    expect(() => shingleHashes(42 as unknown as string)).toThrow(TypeError);
  });
});

describe('minhashSignature', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const text = PAIRS[0]?.[1] as string;
    expect(sigOf(text)).toEqual(sigOf(text));
    expect(sigOf(text, 64, 7)).toEqual(sigOf(text, 64, 7));
    expect(sigOf(text, 64, 7)).not.toEqual(sigOf(text, 64, 1));
    expect(sigOf(text, 16)).toHaveLength(16);
    expect(sigOf(text).every((v) => v < 0x7fffffff)).toBe(true);
  });

  it('depends only on the set: order and repeats do not matter, and a union takes the minimum', () => {
    const a = shingleHashes(PAIRS[2]?.[1] as string);
    const b = shingleHashes(PAIRS[3]?.[1] as string);
    const shuffled = Uint32Array.from([...a].reverse().concat([...a]));
    expect(minhashSignature(shuffled)).toEqual(minhashSignature(a));
    const union = minhashSignature(Uint32Array.from([...a, ...b]));
    const sa = minhashSignature(a);
    const sb = minhashSignature(b);
    expect([...union]).toEqual([...sa].map((v, i) => Math.min(v, sb[i] as number)));
  });

  it('handles the whole 32-bit range of shingle values', () => {
    const edge = Uint32Array.of(0, 1, 0x7ffffffe, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff);
    const sig = minhashSignature(edge, 128);
    expect(sig.every((v) => v < 0x7fffffff)).toBe(true);
    // x and x + (2^31 − 1) are the same residue, so these two sets hash alike; 0 and 1 do not.
    expect(minhashSignature(Uint32Array.of(0))).toEqual(minhashSignature(Uint32Array.of(0x7fffffff)));
    expect(minhashSignature(Uint32Array.of(0))).not.toEqual(minhashSignature(Uint32Array.of(1)));
  });

  it('gives all 0xffffffff for an empty set and rejects bad arguments', () => {
    expect([...minhashSignature(new Uint32Array(0), 4)]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    expect(() => minhashSignature(new Uint32Array(1), 0)).toThrow(/^distillscope: numHashes/);
    expect(() => minhashSignature(new Uint32Array(1), 64, 1.5)).toThrow(RangeError);
  });
});

describe('onePermutationSignature', () => {
  const oph = (text: string, numHashes = 64, seed = 1, kind: 'word' | 'char' = 'word') =>
    onePermutationSignature(shingleHashes(text, { kind }), numHashes, seed);

  it('is deterministic, depends only on the set, and changes with the seed', () => {
    const text = PAIRS[0]?.[1] as string;
    expect(oph(text)).toEqual(oph(text));
    expect(oph(text, 64, 7)).not.toEqual(oph(text, 64, 1));
    const a = shingleHashes(text);
    expect(onePermutationSignature(Uint32Array.from([...a].reverse().concat([...a])))).toEqual(onePermutationSignature(a));
    expect(oph(text, 16)).toHaveLength(16);
    // One shingle fills one bin; every other bin borrows it.
    expect(new Set(onePermutationSignature(Uint32Array.of(12345))).size).toBe(1);
    expect([...onePermutationSignature(new Uint32Array(0), 3)]).toEqual([0xffffffff, 0xffffffff, 0xffffffff]);
    expect(() => onePermutationSignature(new Uint32Array(1), 0)).toThrow(/^distillscope: numHashes/);
    expect(() => onePermutationSignature(new Uint32Array(1), 64, 0.5)).toThrow(RangeError);
  });

  it('signs a text in scratch space exactly as it signs the text\'s shingle set', () => {
    const out = new Uint32Array(64);
    for (const text of [...PAIRS.flat(), '', 'Hi!', '请一步一步思考', 'Think step by step. THINK STEP BY step!', 'x '.repeat(5000)]) {
      expect([...wordShingleSignature(text, out)], text.slice(0, 40)).toEqual([...oph(text)]);
    }
    expect([...wordShingleSignature('abc def ghi', new Uint32Array(16), 7)]).toEqual([...oph('abc def ghi', 16, 7)]);
  });

  it('estimates Jaccard within ±0.1 on realistic pairs and as closely as classic MinHash on average', () => {
    for (const [name, a, b] of PAIRS) {
      for (const kind of ['word', 'char'] as const) {
        const exact = exactJaccard(shingleHashes(a, { kind }), shingleHashes(b, { kind }));
        const est = estimateJaccard(oph(a, 64, 1, kind), oph(b, 64, 1, kind));
        expect(Math.abs(est - exact), `${name} (${kind}): exact ${exact.toFixed(3)}, estimate ${est}`).toBeLessThanOrEqual(0.1);
      }
    }
    // Mean error over seeds and pairs, including short texts whose bins are mostly borrowed.
    const short = ['Is 97 prime?', 'Is 91 prime?'];
    let classic = 0;
    let one = 0;
    let n = 0;
    for (let seed = 1; seed <= 30; seed++) {
      for (const [, a, b] of [...PAIRS, ['short', ...short] as [string, string, string]]) {
        const exact = exactJaccard(shingleHashes(a), shingleHashes(b));
        classic += Math.abs(estimateJaccard(sigOf(a, 64, seed), sigOf(b, 64, seed)) - exact);
        one += Math.abs(estimateJaccard(oph(a, 64, seed), oph(b, 64, seed)) - exact);
        n++;
      }
    }
    expect(one / n).toBeLessThan(0.06);
    expect(one / n).toBeLessThan((classic / n) * 1.3);
  });
});

describe('Jaccard', () => {
  it('computes exact Jaccard over sets, whatever their order or repeats', () => {
    expect(exactJaccard(Uint32Array.of(1, 2, 3), Uint32Array.of(2, 3, 4))).toBe(0.5);
    expect(exactJaccard(Uint32Array.of(3, 1, 2, 2), Uint32Array.of(4, 3, 2))).toBe(0.5);
    expect(exactJaccard(Uint32Array.of(1), Uint32Array.of(2))).toBe(0);
    expect(exactJaccard(new Uint32Array(0), Uint32Array.of(2))).toBe(0);
    expect(exactJaccard(new Uint32Array(0), new Uint32Array(0))).toBe(1);
    expect(estimateJaccard(minhashSignature(new Uint32Array(0)), minhashSignature(new Uint32Array(0)))).toBe(1);
  });

  it('estimates Jaccard within ±0.1 with 64 hashes on realistic prompt pairs, word and char shingles', () => {
    const exacts: Record<string, number> = {};
    for (const [name, a, b] of PAIRS) {
      for (const kind of ['word', 'char'] as const) {
        const exact = exactJaccard(shingleHashes(a, { kind }), shingleHashes(b, { kind }));
        const est = estimateJaccard(sigOf(a, 64, 1, kind), sigOf(b, 64, 1, kind));
        expect(Math.abs(est - exact), `${name} (${kind}): exact ${exact.toFixed(3)}, estimate ${est}`).toBeLessThanOrEqual(0.1);
        if (kind === 'word') exacts[name] = exact;
      }
    }
    // The pairs span the range the detector cares about.
    expect(exacts['same question, one number changed']).toBeGreaterThan(0.6);
    expect(exacts['unrelated']).toBeLessThan(0.05);
    expect(exacts['same scaffold, different question']).toBeGreaterThan(0.2);
  });

  it('gets closer with 256 hashes than with 64', () => {
    const meanError = (numHashes: number) => {
      let sum = 0;
      let n = 0;
      for (let seed = 1; seed <= 20; seed++) {
        for (const [, a, b] of PAIRS) {
          const exact = exactJaccard(shingleHashes(a), shingleHashes(b));
          sum += Math.abs(estimateJaccard(sigOf(a, numHashes, seed), sigOf(b, numHashes, seed)) - exact);
          n++;
        }
      }
      return sum / n;
    };
    const e64 = meanError(64);
    const e256 = meanError(256);
    expect(e64).toBeLessThan(0.06);
    expect(e256).toBeLessThan(e64 * 0.75);
  });

  it('rejects signatures of different or zero length', () => {
    expect(() => estimateJaccard(new Uint32Array(64), new Uint32Array(32))).toThrow(/^distillscope: signatures differ in length/);
    expect(() => estimateJaccard(new Uint32Array(0), new Uint32Array(0))).toThrow(RangeError);
  });
});

describe('LSH', () => {
  it('gives one key per band, different for equal rows in different bands', () => {
    const keys = lshBandKeys(new Uint32Array(64), 16, 4);
    expect(keys).toHaveLength(16);
    expect(new Set(keys).size).toBe(16);
    const sig = sigOf(PAIRS[0]?.[1] as string);
    expect(lshBandKeys(sig, 16, 4)).toEqual(lshBandKeys(Uint32Array.from(sig), 16, 4));
    expect(lshBandKeys(sig, 8, 8)).toHaveLength(8);
    expect(() => lshBandKeys(sig, 16, 3)).toThrow(/^distillscope: 16 bands × 3 rows need a signature of 48 values, received 64/);
    expect(DEFAULT_LSH.bands * DEFAULT_LSH.rows).toBe(DEFAULT_LSH.numHashes);
  });

  it('finds ≥ 95% of pairs at Jaccard ≥ 0.8 and rarely pairs at Jaccard ≤ 0.2', () => {
    const rand = createRng(2024);
    const vocab = vocabulary(rand, 5000);
    const word = () => vocab[Math.floor(rand() * vocab.length)] as string;
    let high = 0;
    let highFound = 0;
    let nearThreshold = 0;
    let low = 0;
    let lowFound = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const base = Array.from({ length: 40 + Math.floor(rand() * 80) }, word);
      // Substitute a random share of the words: up to 4.5% gives Jaccard ≈ 0.75–1, 30–70% gives ≈ 0–0.3.
      const share = trial % 2 === 0 ? rand() * 0.045 : 0.3 + rand() * 0.4;
      const other = base.map((w) => (rand() < share ? word() : w));
      const a = shingleHashes(base.join(' '));
      const b = shingleHashes(other.join(' '));
      const j = exactJaccard(a, b);
      if (j > 0.2 && j < 0.8) continue;
      const index = new LshIndex();
      // Trials alternate in pairs between classic MinHash and the one-permutation signature the scorer
      // uses, so each meets both high- and low-similarity pairs.
      const signature = trial % 4 < 2 ? minhashSignature : onePermutationSignature;
      index.add(trial, signature(a, DEFAULT_LSH.numHashes, trial));
      const found = index.candidates(signature(b, DEFAULT_LSH.numHashes, trial)).includes(trial);
      if (j >= 0.8) {
        high++;
        if (j < 0.9) nearThreshold++;
        if (found) highFound++;
      } else {
        low++;
        if (found) lowFound++;
      }
    }
    expect(high).toBeGreaterThan(300);
    expect(nearThreshold).toBeGreaterThan(100);
    expect(low).toBeGreaterThan(300);
    expect(highFound / high).toBeGreaterThanOrEqual(0.95);
    expect(lowFound / low).toBeLessThan(0.08);
  });

  it('indexes items, returns each candidate once, and groups a scaffold campaign', () => {
    const questions = [
      'What is 17 times 23?',
      'What is the capital of Australia?',
      'Factor x^2 - 5x + 6.',
      'Is 221 a prime number?',
    ];
    const index = new LshIndex();
    expect(index.size).toBe(0);
    expect(index.candidates(sigOf('anything at all'))).toEqual([]);
    const campaign = (q: string) =>
      `You are a careful tutor. ${SCAFFOLD} Show every intermediate result, check your work twice, and keep the final line short. Question: ${q}`;
    questions.forEach((q, i) => index.add(i, sigOf(campaign(q))));
    index.add(10, sigOf('Write a limerick about a cat who learns to play the trumpet in a jazz band.'));
    expect(index.size).toBe(5);
    expect(index.candidates(sigOf(campaign('What is 18 times 23?')))).toEqual([0, 1, 2, 3]);
    expect(index.candidates(sigOf('Write a limerick about a dog who learns to play the trumpet in a jazz band.'))).toEqual([10]);
    expect(index.candidates(sigOf('Translate "good morning" into Japanese and Korean.'))).toEqual([]);
  });

  it('treats identical texts as candidates, empty texts included', () => {
    const index = new LshIndex({ bands: 8, rows: 8 });
    index.add(1, sigOf(''));
    index.add(2, sigOf('Hello'));
    expect(index.candidates(sigOf(''))).toEqual([1]);
    expect(index.candidates(sigOf('hello!'))).toEqual([2]);
  });

  it('rejects repeated or non-integer ids and mismatched signatures', () => {
    const index = new LshIndex();
    index.add(0, sigOf('a b c'));
    expect(() => index.add(0, sigOf('d e f'))).toThrow(/^distillscope: LshIndex already holds id 0/);
    expect(() => index.add(0.5, sigOf('d e f'))).toThrow(RangeError);
    expect(() => index.add(1, sigOf('d e f', 32))).toThrow(RangeError);
    expect(() => new LshIndex({ bands: 0 })).toThrow(/^distillscope: bands/);
    expect(index.size).toBe(1);
  });
});

describe('linear time', () => {
  it('shingles and signs a 1 MB prompt in under 2 s, word and char', () => {
    const rand = createRng(9);
    const vocab = vocabulary(rand, 20_000);
    const parts: string[] = [];
    let length = 0;
    while (length < 1_000_000) {
      const w = vocab[Math.floor(rand() * vocab.length)] as string;
      parts.push(w);
      length += w.length + 1;
    }
    const text = parts.join(' ');
    for (const kind of ['word', 'char'] as const) {
      const t0 = performance.now();
      const sig = minhashSignature(shingleHashes(text, { kind }));
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(sig).toHaveLength(64);
    }
  });
});
