import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CombinerModel } from '../batch/combiner.js';
import { createOnnxEmbedder } from '../embed/onnx/index.js';
import type { Embedder } from '../embed/types.js';
import { createUseLiteEmbedder } from '../embed/use-lite/index.js';
import { DEFAULT_EMBED_BAND, type EmbeddingUse } from '../tagger/embedded.js';
import { createTagger, type Tagger, type TaggerOptions } from '../tagger/index.js';
import { embeddingHeadsFile } from '../tagger/embedding-model.js';
import { defaultModelDir } from '../tagger/model.js';
import { CliError } from './errors.js';

/** What `--embedder` asks for: an encoder and how its heads enter the tag. @internal */
export interface EmbedderChoice {
  embedder: Embedder & { close(): Promise<void> };
  use: EmbeddingUse;
  /** `--embed-band`, when given. */
  embedBand?: number;
}

/** Most 128-token windows read per prompt when tagging: the first ~500 tokens, or spread over a long prompt. */
export const TAGGING_MAX_WINDOWS = 4;

/**
 * Read `--embedder`: `lexical` (none), `use-lite` or `onnx:DIR` (embedding heads alone), or
 * `lexical+use-lite` / `lexical+onnx:DIR` (lexical and embedding heads stacked), and `--embed-band`,
 * which is checked before any encoder starts. @internal
 */
export function embedderFromSpec(spec: string | undefined, embedBand?: string): EmbedderChoice | undefined {
  const band = embedBandOption(embedBand);
  if (spec === undefined || spec === 'lexical') return undefined;
  const stacked = spec.startsWith('lexical+');
  const name = stacked ? spec.slice('lexical+'.length) : spec;
  const use: EmbeddingUse = stacked ? 'stacked' : 'embedding';
  if (name === 'use-lite') {
    return { embedder: createUseLiteEmbedder({ threads: Math.min(2, availableParallelism()), maxWindows: TAGGING_MAX_WINDOWS }), use, ...band };
  }
  if (name.startsWith('onnx:') && name.length > 'onnx:'.length) {
    try {
      return { embedder: createOnnxEmbedder(resolve(name.slice('onnx:'.length)), { maxWindows: TAGGING_MAX_WINDOWS }), use, ...band };
    } catch (err) {
      throw new CliError('E_MODEL', (err as Error).message);
    }
  }
  throw new CliError('E_USAGE', `--embedder must be lexical, use-lite, onnx:DIR, lexical+use-lite or lexical+onnx:DIR; received "${spec}"`);
}

/** `--embed-band`, checked: a positive number of log-odds, or `all`. */
function embedBandOption(value: string | undefined): { embedBand?: number } {
  if (value === undefined) return {};
  const band = value === 'all' ? Infinity : Number(value);
  if (!(band > 0)) throw new CliError('E_USAGE', `--embed-band must be a positive number or "all", received "${value}"`);
  return { embedBand: band };
}

/**
 * What `tag` and `eval` tag with: `--embedder` when given; otherwise the lexical heads stacked with
 * USE-lite's, embedding only the prompts near a threshold (`DEFAULT_EMBED_BAND`), when the model
 * folder has heads for USE-lite, and the lexical heads alone when it has none (said on stderr) or
 * when `lexicalOnly` names why (e.g. `--workers`). @internal
 */
export function taggingEmbedder(opts: { embedder?: string; embedBand?: string; model?: string }, log: (msg: string) => void, lexicalOnly?: string): EmbedderChoice | undefined {
  if (opts.embedder !== undefined) return embedderFromSpec(opts.embedder, opts.embedBand);
  embedBandOption(opts.embedBand);
  if (lexicalOnly) {
    log(`${lexicalOnly}: tagging with the lexical heads alone (--embedder lexical says so and silences this)`);
    return undefined;
  }
  const dir = opts.model ?? defaultModelDir();
  if (!existsSync(join(dir, embeddingHeadsFile('use-lite')))) {
    log(`the model in "${dir}" has no USE-lite heads: tagging with the lexical heads alone`);
    return undefined;
  }
  return embedderFromSpec('lexical+use-lite', opts.embedBand);
}

/** How a command tags, in words (for its header and stderr): `lexical`, or the encoder, its use and band. @internal */
export function describeTagging(choice: EmbedderChoice | undefined): string {
  if (!choice) return 'lexical';
  if (choice.use === 'embedding') return choice.embedder.id;
  const band = choice.embedBand ?? DEFAULT_EMBED_BAND;
  return `lexical+${choice.embedder.id} (${band === Infinity ? 'every prompt embedded' : `embedding prompts within ${band} log-odds of a threshold`})`;
}

/**
 * Build the tagger for CLI options plus an optional `--embedder` choice; a model that cannot be
 * loaded (or has no heads for the encoder) closes the encoder and fails clearly. @internal
 */
export async function taggerWithEmbedder(base: TaggerOptions, choice: EmbedderChoice | undefined): Promise<Tagger> {
  try {
    const band = choice?.embedBand !== undefined ? { embedBand: choice.embedBand } : {};
    return createTagger({ ...base, ...(choice ? { embedder: choice.embedder, embeddingUse: choice.use, ...band } : {}) });
  } catch (err) {
    await choice?.embedder.close();
    throw new CliError('E_MODEL', (err as Error).message);
  }
}

/**
 * The encoder for the semantic signal of `score` / `eval-score --embedder`: the combiner must have
 * semantic heads for it, or the encoder is closed and the command fails naming how to train them. @internal
 */
export async function scoringEmbedder(spec: string | undefined, combiner: CombinerModel): Promise<EmbedderChoice['embedder'] | undefined> {
  const embedder = embedderFromSpec(spec)?.embedder;
  if (embedder && !combiner.semantic?.[embedder.id]) {
    await embedder.close();
    throw new CliError('E_MODEL', `the combiner has no semantic heads for "${embedder.id}"; train them with train-combiner --embedder ${spec}`);
  }
  return embedder;
}
