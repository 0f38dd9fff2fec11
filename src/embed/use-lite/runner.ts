import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { diskModelHandler, resolvePackageFile } from './files.js';

/**
 * Length of a USE-lite vector.
 *
 * Example:
 *   (await createUseLiteEmbedder().embed(['hi']))[0].length === USE_LITE_DIM // → true
 */
export const USE_LITE_DIM = 512;
const TFJS_VERSION = '4.22.0';
const TFJS_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-wasm'] as const;
/** The wasm build the backend picks in Node (SIMD on, threads off): checked before start-up. */
const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';
/** Stand-in row appended when a batch ends with empty rows (see `run`); its vector is dropped. */
const FILLER_ROW = Int32Array.of(0);

/**
 * Runs the USE-lite graph on rows of token ids.
 *
 * Example:
 *   const runner: UseLiteRunner = await openUseLiteRunner(useLiteModelDir());
 *   (await runner.run([Int32Array.of(341, 4125, 311), new Int32Array(0)])).length // → 2
 *   runner.release();
 */
export interface UseLiteRunner {
  /**
   * One unit vector per row, in order. A row holds at most 128 ids: the model ignores the rest.
   * An empty row gets the model's vector for an empty input.
   */
  run(rows: readonly Int32Array[]): Promise<Float32Array[]>;
  /** Drop this user's hold on the model; the last one frees it. */
  release(): void;
}

/**
 * Throws unless the tfjs packages and the wasm binary can be found; names what is missing.
 * Resolves paths only: nothing is loaded.
 *
 * Example:
 *   checkTfjsInstalled() // → undefined, or throws: distillscope: the USE-lite embedder needs the npm package @tensorflow/tfjs-backend-wasm, …
 * @internal
 */
export function checkTfjsInstalled(): void {
  for (const pkg of TFJS_PACKAGES) resolvePackageFile(pkg, TFJS_VERSION, 'package.json');
  wasmDir();
}

function wasmDir(): string {
  const dir = dirname(resolvePackageFile('@tensorflow/tfjs-backend-wasm', TFJS_VERSION, 'package.json'));
  const dist = join(dir, 'dist');
  if (!existsSync(join(dist, WASM_BINARY))) {
    throw new Error(`distillscope: the wasm binary "${join(dist, WASM_BINARY)}" of @tensorflow/tfjs-backend-wasm is missing`);
  }
  return `${dist}/`;
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

type TfjsCore = typeof import('@tensorflow/tfjs-core');
type TfjsConverter = typeof import('@tensorflow/tfjs-converter');

let tfjs: Promise<{ core: TfjsCore; converter: TfjsConverter }> | undefined;

/** tfjs keeps one engine per thread, so its set-up runs once and is shared. */
function loadTfjs(): Promise<{ core: TfjsCore; converter: TfjsConverter }> {
  tfjs ??= (async () => {
    checkTfjsInstalled();
    const [core, converter, wasm] = await Promise.all([
      import('@tensorflow/tfjs-core'),
      import('@tensorflow/tfjs-converter'),
      import('@tensorflow/tfjs-backend-wasm'),
    ]);
    // Production mode turns off tfjs's console warnings (platform, deprecations, backend start-up):
    // a library must not print.
    core.enableProdMode();
    // A file path, read with fs: the backend would fetch a URL.
    wasm.setWasmPaths(wasmDir());
    // The backend's Emscripten start-up adds process listeners that rethrow every uncaught error
    // and rejection, overriding the host's own handling: take them off again.
    const host: NodeJS.EventEmitter = process;
    const before = PROCESS_EVENTS.map((event) => new Set(host.listeners(event)));
    let started: boolean;
    try {
      started = await core.setBackend('wasm');
    } finally {
      PROCESS_EVENTS.forEach((event, k) => {
        for (const listener of host.listeners(event)) {
          if (!before[k]?.has(listener)) host.removeListener(event, listener as (...args: unknown[]) => void);
        }
      });
    }
    if (!started) throw new Error('distillscope: the tfjs wasm backend failed to start');
    return { core, converter };
  })();
  tfjs.catch(() => (tfjs = undefined));
  return tfjs;
}

interface Shared {
  model: Promise<GraphModel>;
  users: number;
  /** Runs one graph call at a time: concurrent executeAsync calls only compete for one core. */
  queue: Promise<unknown>;
}

const models = new Map<string, Shared>();

/**
 * Load the USE-lite graph from `dir` (once per thread and folder: embedders share it) on the tfjs
 * wasm backend, reading every file from disk.
 *
 * Example:
 *   const runner = await openUseLiteRunner(useLiteModelDir());
 *   const [v] = await runner.run([Int32Array.of(341, 4125, 311)]); // 'Hello world'
 *   v.length // → 512
 *   runner.release();
 * @internal
 */
export async function openUseLiteRunner(dir: string): Promise<UseLiteRunner> {
  let shared = models.get(dir);
  if (!shared) {
    const model = loadTfjs().then(({ converter }) => converter.loadGraphModel(diskModelHandler(dir)));
    shared = { model, users: 0, queue: Promise.resolve() };
    models.set(dir, shared);
    model.catch(() => models.delete(dir));
  }
  const entry = shared;
  entry.users++;
  let model: GraphModel;
  try {
    model = await entry.model;
  } catch (err) {
    entry.users--;
    throw err;
  }
  const { core } = await loadTfjs();
  let released = false;

  async function runBatch(rows: readonly Int32Array[]): Promise<Float32Array[]> {
    if (rows.length === 0) return [];
    // The batch size is taken from the largest row index that holds a token, so trailing empty
    // rows would be dropped: end the batch with a one-token row instead.
    const padded = (rows.at(-1) as Int32Array).length === 0 ? [...rows, FILLER_ROW] : rows;
    let total = 0;
    for (const row of padded) total += row.length;
    const indices = new Int32Array(total * 2);
    const values = new Int32Array(total);
    let at = 0;
    padded.forEach((row, r) => {
      for (let k = 0; k < row.length; k++, at++) {
        indices[at * 2] = r;
        indices[at * 2 + 1] = k;
        values[at] = row[k] as number;
      }
    });
    const inputs = { indices: core.tensor2d(indices, [total, 2], 'int32'), values: core.tensor1d(values, 'int32') };
    let data: Float32Array;
    try {
      const out = (await model.executeAsync(inputs)) as import('@tensorflow/tfjs-core').Tensor;
      try {
        if (out.shape[0] !== padded.length || out.shape[1] !== USE_LITE_DIM) {
          throw new Error(`distillscope: the USE-lite model returned shape [${out.shape.join(', ')}] for ${padded.length} rows`);
        }
        data = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
    } finally {
      inputs.indices.dispose();
      inputs.values.dispose();
    }
    return rows.map((_, r) => data.slice(r * USE_LITE_DIM, (r + 1) * USE_LITE_DIM));
  }

  return {
    run(rows) {
      if (released) return Promise.reject(new Error('distillscope: this USE-lite runner was released'));
      const result = entry.queue.then(() => runBatch(rows));
      entry.queue = result.catch(() => undefined);
      return result;
    },
    release() {
      if (released) return;
      released = true;
      if (--entry.users === 0 && models.get(dir) === entry) {
        models.delete(dir);
        void entry.queue.then(() => model.dispose());
      }
    },
  };
}
