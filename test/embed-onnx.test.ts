import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, type OnnxEmbedder } from '../src/embed/onnx/index.js';
import { ONNX_MODEL_FILES } from '../src/embed/onnx/files.js';
import { ensureBuilt, ROOT } from './helpers.js';

const { onnx } = onnxProto;
const FIXTURE = join(ROOT, 'test/fixtures/tiny-bert');
const GENERATOR = join(ROOT, 'scripts/make-tiny-bert.mjs');
const DIM = 16;
/** Tokens the fixture reads per input ([CLS] and [SEP] included), from its tokenizer_config.json. */
const MAX_TOKENS = 32;

const PROMPT = 'Please explain how to sort a list in Python, step by step.';
// The fixture's vector for PROMPT, first 4 components, from its first run; any change to the
// generator, the pooling or the windowing moves them.
const PROMPT_HEAD = [-0.30494, 0.35341, -0.42221, -0.25328];

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);
const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))));
/** A text of `words` fixture words ('please' … 'data' cycle), one token each. */
const longText = (words: number): string => Array.from({ length: words }, (_, i) => ['please', 'write', 'code', 'to', 'sort', 'the', 'data'][i % 7]).join(' ');

/**
 * The fixture's forward pass in plain JS, from the initializers of its onnx/model.onnx, then mean
 * pooling and L2 normalization: an account of the numbers independent of onnxruntime.
 */
function referenceVector(ids: readonly number[]): Float32Array {
  const model = onnx.ModelProto.decode(readFileSync(join(FIXTURE, 'onnx/model.onnx')));
  const weight = (name: string): Float32Array => {
    const t = model.graph?.initializer?.find((i) => i.name === name);
    const raw = t?.rawData as Uint8Array;
    return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  };
  const [word, pos, type, gamma, beta, w, bias] = [
    'embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias', 'dense.weight', 'dense.bias',
  ].map(weight) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const sum = new Float64Array(DIM);
  ids.forEach((id, t) => {
    const e = Array.from({ length: DIM }, (_, d) => (word[id * DIM + d] as number) + (pos[t * DIM + d] as number) + (type[d] as number));
    const mean = e.reduce((a, x) => a + x, 0) / DIM;
    const sd = Math.sqrt(e.reduce((a, x) => a + (x - mean) ** 2, 0) / DIM + 1e-12);
    const n = e.map((x, d) => ((x - mean) / sd) * (gamma[d] as number) + (beta[d] as number));
    for (let j = 0; j < DIM; j++) sum[j] = (sum[j] as number) + (n[j] as number) + Math.tanh(n.reduce((a, x, d) => a + x * (w[d * DIM + j] as number), bias[j] as number));
  });
  const norm = Math.hypot(...sum);
  return Float32Array.from(sum, (x) => x / norm);
}

/** Replace `key` of `target` until `restore` runs. */
function replacer(restore: Array<() => void>) {
  return (target: object, key: string, value: unknown): void => {
    const slot = target as Record<string, unknown>;
    const original = slot[key];
    slot[key] = value;
    restore.push(() => (slot[key] = original));
  };
}

describe('ONNX embedder (tiny BERT fixture, in-process)', () => {
  const netCalls: string[] = [];
  const printed: string[] = [];
  const restore: Array<() => void> = [];
  const listeners = (): number[] => ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  const listenersBefore = listeners();
  let embedder: OnnxEmbedder;
  let loadMs = 0;

  beforeAll(async () => {
    // Any attempt at the network or the console from here on is recorded and fails.
    const require = createRequire(import.meta.url);
    const replace = replacer(restore);
    const trap = (name: string) => (): never => {
      netCalls.push(name);
      throw new Error(`network call: ${name}`);
    };
    replace(globalThis, 'fetch', trap('fetch'));
    for (const mod of ['node:http', 'node:https', 'node:net', 'node:tls']) {
      for (const fn of ['request', 'get', 'connect', 'createConnection']) {
        const m = require(mod) as Record<string, unknown>;
        if (typeof m[fn] === 'function') replace(m, fn, trap(`${mod}.${fn}`));
      }
    }
    replace(require('node:net').Socket.prototype as object, 'connect', trap('net.Socket.connect'));
    replace(process.stdout, 'write', (chunk: unknown) => printed.push(`stdout: ${String(chunk)}`));
    for (const level of ['log', 'warn', 'error', 'info', 'debug']) {
      replace(console, level, (...args: unknown[]) => printed.push(`${level}: ${args.join(' ')}`));
    }
    // transformers.js' own default; the embedder must turn it off.
    env.allowRemoteModels = true;
    // A relative folder, as a CLI user would type it.
    embedder = createOnnxEmbedder(relative(process.cwd(), FIXTURE), { cache: 100 });
    const start = performance.now();
    await embedder.load();
    loadMs = performance.now() - start;
  });

  afterAll(async () => {
    await embedder?.close();
    for (const undo of restore.reverse()) undo();
  });

  it('is named after its folder, reads its dim from config.json, and leaves transformers.js offline', () => {
    expect(embedder.id).toBe('onnx:tiny-bert');
    expect(embedder.dim).toBe(DIM);
    expect(env.allowRemoteModels).toBe(false);
    expect(env.allowLocalModels).toBe(true);
    expect(loadMs).toBeLessThan(10_000);
  });

  it('returns one unit vector of `dim` floats per text, in order, equal to the stored numbers', async () => {
    const texts = [PROMPT, 'Translate this to French', 'what is the answer?'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(DIM);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
    [...(vectors[0] as Float32Array).slice(0, 4)].forEach((x, d) => expect(x).toBeCloseTo(PROMPT_HEAD[d] as number, 4));
    const single = createOnnxEmbedder(FIXTURE, { cache: 0 });
    const [alone] = await single.embed(['what is the answer?']);
    expect(maxDiff(alone as Float32Array, vectors[2] as Float32Array)).toBeLessThan(1e-6);
    await single.close();
  });

  it('computes what the graph says: a plain-JS forward pass with mean pooling over [CLS] … [SEP] agrees', async () => {
    // Ids from the fixture vocabulary: [CLS] please explain how to sort a list in python , step by step . [SEP]
    const promptIds = [2, 109, 105, 96, 91, 101, 27, 100, 94, 104, 6, 102, 103, 102, 5, 3];
    const [prompt, empty] = await embedder.embed([PROMPT, '']);
    expect(maxDiff(prompt as Float32Array, referenceVector(promptIds))).toBeLessThan(1e-5);
    expect(maxDiff(empty as Float32Array, referenceVector([2, 3]))).toBeLessThan(1e-5);
  });

  it('is deterministic: a second embedder gives the same bits', async () => {
    const other = createOnnxEmbedder(FIXTURE, { cache: 0 });
    const texts = [PROMPT, 'Summarize the data', '你好，请解释'];
    const [a, b] = [await embedder.embed(texts), await other.embed(texts)];
    a.forEach((v, i) => expect([...v]).toEqual([...(b[i] as Float32Array)]));
    await other.close();
  });

  it('gives different texts different vectors, and token order matters a little', async () => {
    const [a, b, c, d] = await embedder.embed(['sort the list', 'translate the data', 'list the sort', PROMPT]);
    for (const [x, y] of [[a, b], [a, c], [a, d], [b, d]] as Array<[Float32Array, Float32Array]>) expect(maxDiff(x, y)).toBeGreaterThan(1e-3);
    // Same words, other order: closer to each other than to other words.
    expect(dot(a as Float32Array, c as Float32Array)).toBeGreaterThan(dot(a as Float32Array, b as Float32Array));
    expect(dot(a as Float32Array, c as Float32Array)).toBeLessThan(0.9999);
  });

  it('answers a repeated text from the cache with an identical, independent copy', async () => {
    const fresh = createOnnxEmbedder(FIXTURE, { cache: 10 });
    const [a, b] = await fresh.embed(['How do I sort a list?', 'How do I sort a list?']);
    expect(fresh.stats()).toEqual({ texts: 2, cacheHits: 1, windows: 1 });
    const [c] = await fresh.embed(['How do I sort a list?']);
    expect(fresh.stats()).toEqual({ texts: 3, cacheHits: 2, windows: 1 });
    expect([...(a as Float32Array)]).toEqual([...(b as Float32Array)]);
    expect([...(a as Float32Array)]).toEqual([...(c as Float32Array)]);
    (c as Float32Array)[0] = 42;
    expect((await fresh.embed(['How do I sort a list?']))[0]?.[0]).not.toBe(42);
    await fresh.close();
  });

  it('embeds empty, whitespace, CJK, emoji, accented and unknown-character texts to unit vectors', async () => {
    const texts = ['', '   \n\t', '请解释中文', '你好 😀👍🏽', 'café naïve', '∑∫ ☃', 'Ελληνικά'];
    const vectors = await embedder.embed(texts);
    for (const v of vectors) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
    const [empty, blank, cjk, emoji, accented] = vectors as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    // Whitespace alone tokenizes to nothing, like the empty text; the others do not.
    expect([...blank]).toEqual([...empty]);
    expect(maxDiff(cjk, empty)).toBeGreaterThan(1e-3);
    expect(maxDiff(cjk, emoji)).toBeGreaterThan(1e-3);
    // BertNormalizer strips accents, as the uncased BERT tokenizer does.
    expect([...accented]).toEqual([...(await embedder.embed(['cafe naive']))[0] as Float32Array]);
  });

  it('windows a text longer than the model reads, so a change after the first window still counts', async () => {
    const fresh = createOnnxEmbedder(FIXTURE, { cache: 0 });
    const base = longText(100);
    const changed = `${base} python`;
    const [a, b] = await fresh.embed([base, changed]);
    // 100 and 101 content tokens, 30 per window once [CLS] and [SEP] are added: 4 windows each.
    expect(fresh.stats().windows).toBe(8);
    expect(maxDiff(a as Float32Array, b as Float32Array)).toBeGreaterThan(1e-4);
    expect(Math.sqrt(dot(a as Float32Array, a as Float32Array))).toBeCloseTo(1, 5);
    // Read through one window only, the two texts are the same: what differs lies past it.
    const firstOnly = createOnnxEmbedder(FIXTURE, { cache: 0, maxWindows: 1 });
    const [c, d] = await firstOnly.embed([base, changed]);
    expect([...(c as Float32Array)]).toEqual([...(d as Float32Array)]);
    // A huge prompt costs at most maxWindows windows.
    await fresh.embed([longText(20_000)]);
    expect(fresh.stats().windows).toBe(8 + 32);
    await Promise.all([fresh.close(), firstOnly.close()]);
  });

  it('honours a smaller maxTokens and rejects one the model cannot read', async () => {
    const short = createOnnxEmbedder(FIXTURE, { cache: 0, maxTokens: 12 });
    await short.embed([longText(30)]);
    expect(short.stats().windows).toBe(3);
    await short.close();
    const tooLong = createOnnxEmbedder(FIXTURE, { maxTokens: MAX_TOKENS + 1 });
    await expect(tooLong.embed(['x'])).rejects.toThrow(/maxTokens must be from 3 to 32 .*got 33/);
    const tooShort = createOnnxEmbedder(FIXTURE, { maxTokens: 2 });
    await expect(tooShort.load()).rejects.toThrow(RangeError);
  });

  it('gives the same vectors in a batch as one by one, whatever the batch size', async () => {
    const texts = [PROMPT, '', 'sort', longText(45), '你好', 'What is the function of this code?', longText(7), 'Please translate: data'];
    const three = createOnnxEmbedder(FIXTURE, { cache: 0, batchSize: 3 });
    const single = createOnnxEmbedder(FIXTURE, { cache: 0, batchSize: 1 });
    const batched = await three.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [v] = await single.embed([text]);
      expect(maxDiff(v as Float32Array, batched[i] as Float32Array)).toBeLessThan(1e-6);
    }
    await Promise.all([three.close(), single.close()]);
  });

  it('pools the first token with pooling: cls, and runs on one thread when asked', async () => {
    const [mean] = await embedder.embed([PROMPT]);
    const cls = createOnnxEmbedder(FIXTURE, { pooling: 'cls', threads: 1 });
    const [first] = await cls.embed([PROMPT]);
    expect(Math.sqrt(dot(first as Float32Array, first as Float32Array))).toBeCloseTo(1, 5);
    expect(maxDiff(first as Float32Array, mean as Float32Array)).toBeGreaterThan(1e-3);
    await cls.close();
  });

  it('tokenizes as the WordPiece vocabulary says, through transformers.js itself', async () => {
    const vocab = (JSON.parse(readFileSync(join(FIXTURE, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }).model.vocab;
    const tokenizer = await AutoTokenizer.from_pretrained(FIXTURE, { local_files_only: true });
    const cases: Array<[string, string[]]> = [
      [PROMPT, ['please', 'explain', 'how', 'to', 'sort', 'a', 'list', 'in', 'python', ',', 'step', 'by', 'step', '.']],
      ['Sorting DATA', ['sort', '##ing', 'data']],
      ['Hello!', ['h', '##e', '##l', '##l', '##o', '!']],
      ['café 😀 2024', ['c', '##a', '##f', '##e', '[UNK]', '2', '##0', '##2', '##4']],
      ['你好，请解释', ['你', '好', '[UNK]', '请', '解', '释']],
      ['', []],
    ];
    for (const [text, tokens] of cases) {
      expect(tokenizer.tokenize(text)).toEqual(tokens);
      expect(tokenizer.encode(text)).toEqual([vocab['[CLS]'], ...tokens.map((t) => vocab[t]), vocab['[SEP]']]);
    }
    expect(tokenizer.model_max_length).toBe(MAX_TOKENS);
  });

  it('names a missing folder or file, and rejects bad options, before loading anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillscope-onnx-'));
    try {
      expect(() => createOnnxEmbedder(join(dir, 'nowhere'))).toThrow(/ONNX model folder ".*nowhere" does not exist/);
      for (const file of ONNX_MODEL_FILES) {
        const copy = join(dir, file.replace('/', '-'));
        cpSync(FIXTURE, copy, { recursive: true });
        rmSync(join(copy, file));
        expect(() => createOnnxEmbedder(copy)).toThrow(`lacks ${file} (a sentence-encoder folder needs config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx)`);
      }
      expect(() => createOnnxEmbedder(join(FIXTURE, 'config.json'))).toThrow(/is a file, not a folder/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => createOnnxEmbedder('')).toThrow(TypeError);
    expect(() => createOnnxEmbedder(FIXTURE, { batchSize: 0 })).toThrow(/batchSize must be a whole number ≥ 1, got 0/);
    expect(() => createOnnxEmbedder(FIXTURE, { maxWindows: 1.5 })).toThrow(RangeError);
    expect(() => createOnnxEmbedder(FIXTURE, { pooling: 'max' as never })).toThrow(/pooling must be one of \[mean,cls\], got "max"/);
    expect(() => createOnnxEmbedder(FIXTURE, { model: 'Xenova/all-MiniLM-L6-v2' })).toThrow(/needs allowRemote: true/);
    expect(() => createOnnxEmbedder(FIXTURE, { allowRemote: true })).toThrow(/allowRemote needs a hub id/);
    expect(() => createOnnxEmbedder(FIXTURE, { allowRemote: true, model: '../etc' })).toThrow(/hub id/);
  });

  it('says so when the model file is not ONNX or config.json lies about hidden_size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillscope-onnx-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      writeFileSync(join(dir, 'onnx/model.onnx'), 'not a model');
      await expect(createOnnxEmbedder(dir).embed(['x'])).rejects.toThrow(/cannot load the ONNX model ".*": Load model from .*model\.onnx failed/);
      cpSync(join(FIXTURE, 'onnx/model.onnx'), join(dir, 'onnx/model.onnx'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: 8 }));
      const lying = createOnnxEmbedder(dir);
      expect(lying.dim).toBe(8);
      await expect(lying.embed(['sort'])).rejects.toThrow(/gives token vectors of shape \[1, 3, 16\], expected \[1, 3, 8\] \(hidden_size in config.json\)/);
      await lying.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects non-string texts, and fails after close', async () => {
    await expect(embedder.embed('text' as never)).rejects.toThrow(TypeError);
    await expect(embedder.embed([1 as never])).rejects.toThrow(/item 0 is number/);
    const closed = createOnnxEmbedder(FIXTURE);
    await closed.embed(['x']);
    await closed.close();
    await expect(closed.embed(['x'])).rejects.toThrow(/closed/);
  });

  it('attempted no network call, printed nothing and left the process error handlers alone', () => {
    expect(netCalls).toEqual([]);
    expect(printed).toEqual([]);
    expect(listeners()).toEqual(listenersBefore);
    expect(env.allowRemoteModels).toBe(false);
  });
});

describe('ONNX embedder (hub download, only when asked; fetch served from the fixture)', () => {
  const HOST = 'https://huggingface.co/distillscope/tiny-bert/resolve/main/';
  const fetched: string[] = [];
  const restore: Array<() => void> = [];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'distillscope-hub-'));
    replacer(restore)(globalThis, 'fetch', async (url: string | URL) => {
      const href = String(url);
      fetched.push(href);
      const file = href.startsWith(HOST) ? join(FIXTURE, href.slice(HOST.length)) : '';
      return existsSync(file) ? new Response(readFileSync(file)) : new Response('not found', { status: 404 });
    });
  });

  afterAll(() => {
    for (const undo of restore.reverse()) undo();
    rmSync(dir, { recursive: true, force: true });
  });

  it('downloads into dir/<model>/ once, then the folder loads offline with the same vectors', async () => {
    const hub = createOnnxEmbedder(dir, { allowRemote: true, model: 'distillscope/tiny-bert', cache: 0 });
    expect(hub.id).toBe('onnx:tiny-bert');
    expect(() => hub.dim).toThrow(/known once the model is downloaded/);
    const [a] = await hub.embed([PROMPT]);
    expect(hub.dim).toBe(DIM);
    expect([...fetched].sort()).toEqual(ONNX_MODEL_FILES.map((f) => HOST + f).sort());
    expect(env.allowRemoteModels).toBe(false);
    await hub.close();

    const saved = join(dir, 'distillscope/tiny-bert');
    for (const file of ONNX_MODEL_FILES) expect(readFileSync(join(saved, file))).toEqual(readFileSync(join(FIXTURE, file)));
    const offline = createOnnxEmbedder(saved, { cache: 0 });
    const [b] = await offline.embed([PROMPT]);
    const fixture = createOnnxEmbedder(FIXTURE, { cache: 0 });
    const [c] = await fixture.embed([PROMPT]);
    expect([...(a as Float32Array)]).toEqual([...(c as Float32Array)]);
    expect([...(b as Float32Array)]).toEqual([...(c as Float32Array)]);
    // A second hub embedder finds the files under dir and fetches nothing more.
    const again = createOnnxEmbedder(dir, { allowRemote: true, model: 'distillscope/tiny-bert' });
    expect(again.dim).toBe(DIM);
    await again.embed([PROMPT]);
    expect(fetched).toHaveLength(ONNX_MODEL_FILES.length);
    await Promise.all([offline.close(), fixture.close(), again.close()]);
  });
});

describe('tiny BERT generator', () => {
  it('writes byte-identical files to the committed fixture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'distillscope-tiny-bert-'));
    try {
      const r = spawnSync(process.execPath, [GENERATOR, dir], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      for (const file of ONNX_MODEL_FILES) expect(readFileSync(join(dir, file)).equals(readFileSync(join(FIXTURE, file)))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ONNX embedder (built package, separate process)', () => {
  beforeAll(ensureBuilt);

  it('imports without loading onnxruntime, embeds, and prints nothing but what it is told to', () => {
    const url = new URL('../dist/embed/onnx/index.js', import.meta.url).href;
    const code = `
      import { createRequire } from 'node:module';
      const ort = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('onnxruntime-node'));
      const { createOnnxEmbedder } = await import(${JSON.stringify(url)});
      const loaded = [ort()];
      const embedder = createOnnxEmbedder(${JSON.stringify(FIXTURE)});
      loaded.push(ort());
      const vectors = await embedder.embed(['Please explain how to sort a list in Python, step by step.', '']);
      loaded.push(ort());
      await embedder.close();
      process.stdout.write(JSON.stringify({ n: vectors.length, dim: embedder.dim, loaded }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 2, dim: DIM, loaded: [false, false, true] });
  });
});
