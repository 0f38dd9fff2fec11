import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { embedCached, LruCache } from '../cache.js';
import type { Embedder } from '../types.js';
import { checkOnnxModelDir, readHiddenSize } from './files.js';
import { openOnnxRunner, type OnnxPooling, type OnnxRunner, type OnnxSource } from './runner.js';
import { meanUnit, splitWindows } from '../windows.js';

export type { OnnxPooling } from './runner.js';

/**
 * Options of `createOnnxEmbedder`.
 *
 * Example:
 *   const options: OnnxOptions = { batchSize: 16, maxTokens: 256, cache: 50_000 };
 */
export interface OnnxOptions {
  /**
   * Tokens per model input, special tokens included (default: the smaller of the tokenizer's
   * `model_max_length` and the config's `max_position_embeddings`, else 512). A longer text is cut
   * into equal windows that fit, and its vector is the normalized mean of theirs. sentence-
   * transformers reads MiniLM at 256 tokens: pass 256 to match it exactly on long texts.
   */
  maxTokens?: number;
  /**
   * Most windows per text (default 32). A longer text is read through this many full windows spread
   * evenly over it, so one huge prompt costs a bounded time.
   */
  maxWindows?: number;
  /** Windows per model call (default 32). Windows of similar length share a call, so little padding. */
  batchSize?: number;
  /** How token vectors become the text's vector (default `mean`; `cls` for BGE-style models). */
  pooling?: OnnxPooling;
  /** How many vectors to keep, keyed by exact text (default 10,000; 0 keeps none). */
  cache?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, one per core). */
  threads?: number;
  /**
   * Off by default: nothing is ever fetched. With `true` and `model`, the files of that Hugging Face
   * hub id are downloaded once into `dir/<model>/` (`dir` is then the download folder, created if
   * needed) and read from there on later runs; `createOnnxEmbedder(join(dir, model))` then loads the
   * same model with no network at all.
   */
  allowRemote?: boolean;
  /** A hub id such as `Xenova/all-MiniLM-L6-v2`; only with `allowRemote: true`. */
  model?: string;
}

/**
 * Counters of an embedder since it was made.
 *
 * Example:
 *   await embedder.embed(['a', 'a', 'b']);
 *   embedder.stats() // → { texts: 3, cacheHits: 1, windows: 2 }
 */
export interface OnnxStats {
  /** Texts asked for. */
  texts: number;
  /** Texts answered from the cache or from an identical text in the same call. */
  cacheHits: number;
  /** Token windows the model ran on. */
  windows: number;
}

/**
 * An ONNX sentence encoder: an `Embedder` that can load ahead of time, report its counters and free
 * its model.
 *
 * Example:
 *   const embedder: OnnxEmbedder = createOnnxEmbedder('models/all-MiniLM-L6-v2');
 *   await embedder.load();
 *   embedder.dim // → 384
 *   await embedder.close();
 */
export interface OnnxEmbedder extends Embedder {
  /** `onnx:` and the model folder's name, e.g. `onnx:all-MiniLM-L6-v2`. */
  readonly id: string;
  /**
   * Vector length, from `config.json`. For a hub model not yet downloaded it is known only after
   * `load()` (or a first `embed`); reading it before throws.
   */
  readonly dim: number;
  /** Load the tokenizer and the model now rather than at the first `embed`. */
  load(): Promise<void>;
  /** Counters since the embedder was made. */
  stats(): OnnxStats;
  /** Free the model. Later calls to `embed` fail. */
  close(): Promise<void>;
}

const DEFAULT_CACHE = 10_000;
const DEFAULT_MAX_WINDOWS = 32;
const DEFAULT_BATCH_SIZE = 32;
const POOLINGS: readonly OnnxPooling[] = ['mean', 'cls'];
/** A Hugging Face hub id: `name` or `owner/name`. */
const HUB_ID = /^(?:[\w.-]+\/)?[\w.-]+$/;

/**
 * Any local ONNX sentence encoder (MiniLM, MPNet, E5, BGE, … exported for transformers.js), run by
 * `@huggingface/transformers` on onnxruntime-node, CPU, fp32. `dir` holds `config.json`,
 * `tokenizer.json`, `tokenizer_config.json` and `onnx/model.onnx`; a relative `dir` is resolved
 * against the working directory. Throws at once if the folder lacks a file, naming it.
 *
 * Offline by default: the folder is read with `local_files_only` and transformers.js'
 * process-wide `env.allowRemoteModels` is set to false, so no hub is reached. Only `allowRemote:
 * true` with a `model` id downloads (see `OnnxOptions`).
 *
 * transformers.js is imported at the first `embed` (or `load`), so importing distillscope stays
 * fast; nothing is printed to stdout. Texts longer than the model reads are windowed: each window
 * gets [CLS] … [SEP] (or the model's own special tokens), token vectors are mean-pooled over the
 * attention mask, windows are averaged, and every vector is L2-normalized. Identical texts are
 * embedded once and then cached.
 *
 * Example:
 *   const embedder = createOnnxEmbedder('models/all-MiniLM-L6-v2');
 *   const [a, b, c] = await embedder.embed([
 *     'How do I reverse a list in Python?',
 *     'What is the way to invert the order of a Python list?',
 *     'Best hiking trails near Zurich',
 *   ]);
 *   embedder.id               // → 'onnx:all-MiniLM-L6-v2'
 *   a.length                  // → 384
 *   cosine(a, b) > cosine(a, c) // → true
 *   await embedder.close();
 *
 *   // Once, with the network: saves the files under models/Xenova/all-MiniLM-L6-v2/.
 *   createOnnxEmbedder('models', { allowRemote: true, model: 'Xenova/all-MiniLM-L6-v2' });
 */
export function createOnnxEmbedder(dir: string, options: OnnxOptions = {}): OnnxEmbedder {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`distillscope: createOnnxEmbedder takes a model folder path, got ${JSON.stringify(dir)}`);
  const maxWindows = wholeNumber('maxWindows', options.maxWindows) ?? DEFAULT_MAX_WINDOWS;
  const batchSize = wholeNumber('batchSize', options.batchSize) ?? DEFAULT_BATCH_SIZE;
  const maxTokens = wholeNumber('maxTokens', options.maxTokens);
  const threads = wholeNumber('threads', options.threads);
  const pooling = options.pooling ?? 'mean';
  if (!POOLINGS.includes(pooling)) throw new RangeError(`distillscope: pooling must be one of [${POOLINGS}], got ${JSON.stringify(pooling)}`);
  const cache = new LruCache<string, Float32Array>(options.cache ?? DEFAULT_CACHE);

  const source = modelSource(resolve(dir), options);
  const folder = source.kind === 'hub' ? join(source.dir, source.model) : source.dir;
  if (source.kind === 'local') checkOnnxModelDir(folder);
  const configPath = join(folder, 'config.json');
  let dim: number | undefined = existsSync(configPath) ? readHiddenSize(configPath) : undefined;
  const id = `onnx:${basename(folder)}`;

  const stats: OnnxStats = { texts: 0, cacheHits: 0, windows: 0 };
  let runner: Promise<OnnxRunner> | undefined;
  let closed = false;

  const openRunner = (): Promise<OnnxRunner> => {
    runner ??= openOnnxRunner(source, { maxTokens, pooling, threads, expectedDim: dim }).then((r) => {
      dim = r.dim;
      return r;
    });
    // A failed load is retried at the next call rather than remembered.
    runner.catch(() => (runner = undefined));
    return runner;
  };

  async function embedTexts(texts: string[]): Promise<Float32Array[]> {
    const model = await openRunner();
    const windows: number[][] = [];
    const spans = texts.map((text) => {
      const first = windows.length;
      windows.push(...splitWindows(model.encode(text), model.windowTokens, maxWindows));
      return { first, count: windows.length - first };
    });
    stats.windows += windows.length;
    // Similar lengths share a batch, so little padding.
    const order = windows.map((_, i) => i).sort((a, b) => (windows[b] as number[]).length - (windows[a] as number[]).length);
    const vectors = new Array<Float32Array>(windows.length);
    for (let i = 0; i < order.length; i += batchSize) {
      const batch = order.slice(i, i + batchSize);
      const out = await model.run(batch.map((w) => windows[w] as number[]));
      batch.forEach((w, k) => (vectors[w] = out[k] as Float32Array));
    }
    return spans.map(({ first, count }) => (count === 1 ? (vectors[first] as Float32Array) : meanUnit(vectors.slice(first, first + count))));
  }

  return {
    id,
    get dim(): number {
      if (dim === undefined) throw new Error(`distillscope: the vector length of ${id} is known once the model is downloaded: await embedder.load() first`);
      return dim;
    },
    async load() {
      if (closed) throw new Error(`distillscope: this ONNX embedder (${id}) is closed`);
      await openRunner();
    },
    async embed(texts) {
      if (closed) throw new Error(`distillscope: this ONNX embedder (${id}) is closed`);
      return embedCached(texts, cache, stats, embedTexts);
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      cache.clear();
      const open = runner;
      runner = undefined;
      if (open) await (await open.catch(() => undefined))?.release();
    },
  };
}

/** The local folder, or the hub id and download folder when the caller allowed the network. */
function modelSource(dir: string, options: OnnxOptions): OnnxSource {
  const { allowRemote = false, model } = options;
  if (model === undefined) {
    if (allowRemote) throw new TypeError('distillscope: allowRemote needs a hub id in the option model, e.g. { allowRemote: true, model: "Xenova/all-MiniLM-L6-v2" }');
    return { kind: 'local', dir };
  }
  if (allowRemote !== true) {
    throw new TypeError(`distillscope: the option model ("${model}") downloads from the Hugging Face hub, so it needs allowRemote: true; to stay offline pass the model's folder as dir`);
  }
  if (typeof model !== 'string' || !HUB_ID.test(model) || model.includes('..')) {
    throw new TypeError(`distillscope: model must be a Hugging Face hub id like "Xenova/all-MiniLM-L6-v2", got ${JSON.stringify(model)}`);
  }
  return { kind: 'hub', model, dir };
}

/** `value` if it is undefined or a whole number ≥ 1; else a RangeError naming the option. */
function wholeNumber(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`distillscope: ${name} must be a whole number ≥ 1, got ${value}`);
  return value;
}
