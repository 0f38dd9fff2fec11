import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { unit } from '../windows.js';

/**
 * How token vectors become one text vector: `mean` over the real (unpadded) tokens, special tokens
 * included, as sentence-transformers does for MiniLM, MPNet or E5; `cls` takes the first token, as
 * BGE does. Either way the result is scaled to unit length.
 */
export type OnnxPooling = 'mean' | 'cls';

/**
 * Where the model comes from: a local folder, or, only when the caller asked for it, a hub id whose
 * files are saved under `dir/<id>/`.
 * @internal
 */
export type OnnxSource = { readonly kind: 'local'; readonly dir: string } | { readonly kind: 'hub'; readonly model: string; readonly dir: string };

/** @internal */
export interface OnnxRunnerOptions {
  /** Tokens per model input, special tokens included (default: the model's own limit). */
  maxTokens?: number;
  pooling: OnnxPooling;
  /** onnxruntime intra-op threads (default: its own choice, one per core). */
  threads?: number;
  /** Vector length `config.json` promised; every output is checked against it. */
  expectedDim?: number;
}

/**
 * A loaded tokenizer and ONNX session.
 *
 * Example:
 *   const runner = await openOnnxRunner({ kind: 'local', dir: '/models/all-MiniLM-L6-v2' }, { pooling: 'mean' });
 *   runner.windowTokens                          // → 510
 *   const ids = runner.encode('Sort this list'); // → [4066, 2023, 2862]
 *   (await runner.run([ids]))[0].length          // → 384
 *   await runner.release();
 * @internal
 */
export interface OnnxRunner {
  /** Length of the vectors `run` returns. */
  readonly dim: number;
  /** Most ids a row may hold: the model's input length minus the special tokens `run` adds. */
  readonly windowTokens: number;
  /** Token ids of a text, without special tokens and without truncation. */
  encode(text: string): number[];
  /** One unit vector per row of ids, in order; special tokens are added around each row. */
  run(rows: readonly (readonly number[])[]): Promise<Float32Array[]>;
  /** Free the ONNX session. */
  release(): Promise<void>;
}

/** Used when neither the tokenizer nor the config states a length limit (BERT's). */
const FALLBACK_MAX_TOKENS = 512;
/** Any short text with ordinary words: encoded with and without special tokens to find them. */
const PROBE = 'hello world';

/**
 * Load the tokenizer and the model with `@huggingface/transformers` on onnxruntime-node (CPU,
 * fp32). The package is imported here, at the first call, so importing distillscope stays fast.
 *
 * A local folder is read with `local_files_only`, so transformers.js cannot fetch even if some
 * other code allowed remote models. `env.allowRemoteModels` is process-wide in transformers.js: it
 * is left false after every load, and is true only while a hub load the caller asked for runs.
 *
 * Example:
 *   const runner = await openOnnxRunner({ kind: 'local', dir: '/models/all-MiniLM-L6-v2' }, { pooling: 'mean' });
 * @internal
 */
export async function openOnnxRunner(source: OnnxSource, options: OnnxRunnerOptions): Promise<OnnxRunner> {
  const hf = await import('@huggingface/transformers');
  const { env } = hf;
  const hub = source.kind === 'hub';
  const name = hub ? source.model : source.dir;
  const where = hub ? `"${source.model}" (hub, saved under "${source.dir}")` : `"${source.dir}"`;
  const localModelPath = env.localModelPath;
  env.allowLocalModels = true;
  env.allowRemoteModels = hub;
  // A hub id is first looked for under localModelPath, and downloads are saved under cache_dir: both
  // point at the caller's folder, so a model fetched once is found there without the network.
  if (hub) env.localModelPath = source.dir;
  const files = hub ? { local_files_only: false, cache_dir: source.dir } : { local_files_only: true };
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await hf.AutoTokenizer.from_pretrained(name, files);
    model = await hf.AutoModel.from_pretrained(name, {
      ...files,
      device: 'cpu',
      dtype: 'fp32',
      session_options: options.threads === undefined ? {} : { intraOpNumThreads: options.threads },
    });
  } catch (err) {
    throw new Error(`distillscope: cannot load the ONNX model ${where}: ${(err as Error).message}`);
  } finally {
    env.allowRemoteModels = false;
    env.localModelPath = localModelPath;
  }

  let setup: ReturnType<typeof describeModel>;
  try {
    setup = describeModel(tokenizer, model, options, where);
  } catch (err) {
    await model.dispose();
    throw err;
  }
  const { dim, prefix, suffix, windowTokens } = setup;
  const padId = typeof tokenizer.pad_token_id === 'number' ? tokenizer.pad_token_id : 0;
  const session = model.sessions.model as { inputNames: string[] } | undefined;
  // Models without the input get none, rather than a warning from transformers.js per batch.
  const takesMask = session?.inputNames.includes('attention_mask') ?? true;

  return {
    dim,
    windowTokens,
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }),
    async run(rows) {
      const width = prefix.length + suffix.length + Math.max(0, ...rows.map((r) => r.length));
      const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId));
      const mask = new BigInt64Array(rows.length * width);
      rows.forEach((row, b) => {
        [...prefix, ...row, ...suffix].forEach((id, t) => {
          ids[b * width + t] = BigInt(id);
          mask[b * width + t] = 1n;
        });
      });
      const shape = [rows.length, width];
      const inputs: Record<string, unknown> = { input_ids: new hf.Tensor('int64', ids, shape) };
      if (takesMask) inputs.attention_mask = new hf.Tensor('int64', mask, shape);
      const output = (await model(inputs)) as Record<string, unknown>;
      const hidden = output.last_hidden_state ?? output.token_embeddings;
      if (!(hidden instanceof hf.Tensor)) {
        throw new Error(`distillscope: the ONNX model ${where} has no last_hidden_state output (it has ${Object.keys(output).join(', ')})`);
      }
      const [, seq, size] = hidden.dims;
      if (hidden.dims.length !== 3 || seq !== width || size !== dim) {
        throw new Error(`distillscope: the ONNX model ${where} gives token vectors of shape [${hidden.dims.join(', ')}], expected [${rows.length}, ${width}, ${dim}] (hidden_size in config.json)`);
      }
      const data = hidden.data as Float32Array;
      return rows.map((row, b) => {
        const count = options.pooling === 'cls' ? 1 : prefix.length + row.length + suffix.length;
        const v = new Float32Array(dim);
        for (let t = 0; t < count; t++) {
          const at = (b * width + t) * dim;
          for (let d = 0; d < dim; d++) v[d] = (v[d] as number) + (data[at + d] as number);
        }
        return unit(v);
      });
    },
    async release() {
      await model.dispose();
    },
  };
}

/** Vector length, special tokens and window size of a loaded model; throws on a bad maxTokens. */
function describeModel(tokenizer: PreTrainedTokenizer, model: PreTrainedModel, options: OnnxRunnerOptions, where: string) {
  const config = model.config as unknown as Record<string, unknown>;
  const configDim = config.hidden_size ?? config.dim ?? config.d_model;
  const dim = options.expectedDim ?? (typeof configDim === 'number' ? configDim : NaN);
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`distillscope: the config of the ONNX model ${where} has no hidden_size`);
  const { prefix, suffix } = specialTokens(tokenizer, where);
  const limits = [tokenizer.model_max_length, config.max_position_embeddings].filter(
    (n): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 1e6,
  );
  const modelMax = limits.length > 0 ? Math.min(...limits) : FALLBACK_MAX_TOKENS;
  const maxTokens = options.maxTokens ?? modelMax;
  const windowTokens = maxTokens - prefix.length - suffix.length;
  if (maxTokens > modelMax || windowTokens < 1) {
    throw new RangeError(`distillscope: maxTokens must be from ${prefix.length + suffix.length + 1} to ${modelMax} for the ONNX model ${where}, got ${maxTokens}`);
  }
  return { dim, prefix, suffix, windowTokens };
}

/**
 * The ids the tokenizer's post-processor puts before and after a text ([CLS] … [SEP] for BERT,
 * <s> … </s> for RoBERTa, none for some), found by encoding a probe with and without them.
 */
function specialTokens(tokenizer: PreTrainedTokenizer, where: string): { prefix: number[]; suffix: number[] } {
  const full = tokenizer.encode(PROBE);
  const plain = tokenizer.encode(PROBE, { add_special_tokens: false });
  for (let at = 0; plain.length > 0 && at + plain.length <= full.length; at++) {
    if (plain.every((id, k) => full[at + k] === id)) return { prefix: full.slice(0, at), suffix: full.slice(at + plain.length) };
  }
  throw new Error(`distillscope: cannot tell the special tokens of the tokenizer of the ONNX model ${where}: "${PROBE}" encodes to [${plain}] alone and [${full}] with them`);
}
