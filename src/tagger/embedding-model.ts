import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Platt } from '../train/calibrate.js';
import { LABELS, type Label } from './labels.js';

export const EMBEDDING_HEADS_FORMAT = 'distillscope-embedding-heads';
export const EMBEDDING_HEADS_VERSION = 1;

/** How a prompt's text is prepared before it is embedded (recorded so training and tagging agree). */
export interface EmbeddingTextPrep {
  /** Embed the normalized text (obfuscation undone), as the lexical heads read it. */
  normalize: boolean;
  /** Most 128-token windows read per prompt (USE-lite); long prompts are sampled evenly. */
  maxWindows: number;
  /**
   * Stacked tagging embeds only prompts whose guessed language is listed (and keeps the lexical tag
   * for the rest): an encoder trained on English text reads Chinese worse than the lexical heads do.
   * Absent: every language.
   */
  languages?: string[];
}

/** One label's heads over an embedding: alone, and stacked with the lexical head's margin. */
export interface EmbeddingHead {
  weights: number[];
  bias: number;
  /** Calibration of the embedding head alone. */
  platt: Platt;
  threshold: number;
  /** p = sigmoid(lexical · lexical margin + embedding · embedding margin + bias), fitted on held-out margins. */
  stack: { lexical: number; embedding: number; bias: number; threshold: number };
}

/** What `heads-<embedder>.json` in a model folder holds. */
export interface EmbeddingHeads {
  format: typeof EMBEDDING_HEADS_FORMAT;
  version: typeof EMBEDDING_HEADS_VERSION;
  /** The `Embedder.id` the heads were trained on. */
  embedder: string;
  dim: number;
  text: EmbeddingTextPrep;
  heads: Record<Label, EmbeddingHead>;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/** File name of the heads for an embedder inside a model folder (`onnx:/x/MiniLM` → `heads-onnx-MiniLM.json`). */
export function embeddingHeadsFile(embedderId: string): string {
  const name = embedderId.replace(/^onnx:.*[\\/]/, 'onnx:').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `heads-${name}.json`;
}

/**
 * Load the heads for an embedder from a model folder. Throws naming the file, and how to make it,
 * when the folder has none.
 *
 * Example:
 *   loadEmbeddingHeads(defaultModelDir(), 'use-lite').dim // → 512
 */
export function loadEmbeddingHeads(dir: string, embedderId: string): EmbeddingHeads {
  const path = join(dir, embeddingHeadsFile(embedderId));
  if (!existsSync(path)) {
    throw new Error(
      `distillscope: the model in "${dir}" has no heads for the embedder "${embedderId}" (${path}); ` +
        `train them with: distillscope train CORPUS --embedder ${embedderId.startsWith('onnx:') ? 'onnx:MODEL_DIR' : embedderId} --out DIR`,
    );
  }
  return loadEmbeddingHeadsFile(path);
}

/** Load a heads file by path, checking its format and shape. */
export function loadEmbeddingHeadsFile(path: string): EmbeddingHeads {
  let h: EmbeddingHeads;
  try {
    h = JSON.parse(readFileSync(path, 'utf8')) as EmbeddingHeads;
  } catch (err) {
    throw new Error(`distillscope: cannot read embedding heads "${path}": ${(err as Error).message}`);
  }
  if (h.format !== EMBEDDING_HEADS_FORMAT || h.version !== EMBEDDING_HEADS_VERSION) {
    throw new Error(`distillscope: ${path} is not a version-${EMBEDDING_HEADS_VERSION} ${EMBEDDING_HEADS_FORMAT} file`);
  }
  for (const l of LABELS) {
    if (h.heads[l]?.weights?.length !== h.dim) throw new Error(`distillscope: ${path}: head "${l}" does not have ${h.dim} weights`);
  }
  return h;
}

/** Write the heads next to the lexical model in a model folder. */
export function saveEmbeddingHeads(heads: EmbeddingHeads, dir: string): string {
  const path = join(dir, embeddingHeadsFile(heads.embedder));
  writeFileSync(path, `${JSON.stringify(heads)}\n`);
  return path;
}
