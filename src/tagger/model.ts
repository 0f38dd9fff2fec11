import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FeatureConfig } from '../features/index.js';
import type { Platt } from '../train/calibrate.js';
import { LABELS, type Label } from './labels.js';

export const MODEL_FORMAT = 'distillscope-tagger';
export const MODEL_VERSION = 1;

/** One calibrated linear head. */
export interface HeadManifest {
  bias: number;
  platt: Platt;
  /** Calibrated probability at or above which the label is given. */
  threshold: number;
}

/** What `manifest.json` of a model folder holds. */
export interface TaggerManifest {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  labels: Label[];
  features: FeatureConfig;
  heads: Record<Label, HeadManifest>;
  /** What the model was built from and how it scored in cross-validation. */
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/** A loaded tagger model: manifest plus IDF and one weight vector per label. */
export interface TaggerModel {
  manifest: TaggerManifest;
  idf: Float32Array;
  weights: Record<Label, Float32Array>;
}

const WEIGHTS_FILE = 'weights.f32.gz';

/** The folder of the model shipped with the package, found from this module's URL. */
export function defaultModelDir(): string {
  return fileURLToPath(new URL('../../models/tagger/', import.meta.url));
}

/**
 * Load a model folder (`manifest.json` + `weights.f32.gz`). Throws with the path and what is wrong.
 *
 * Example:
 *   loadModel(defaultModelDir()).manifest.labels
 *   // → ['reasoning', 'tool_use', 'coding', 'vision', 'censorship_probing']
 */
export function loadModel(dir: string): TaggerModel {
  let manifest: TaggerManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as TaggerManifest;
  } catch (err) {
    throw new Error(`distillscope: cannot read model manifest in "${dir}": ${(err as Error).message}`);
  }
  if (manifest.format !== MODEL_FORMAT || manifest.version !== MODEL_VERSION) {
    throw new Error(
      `distillscope: "${dir}" holds ${manifest.format ?? 'an unknown format'} v${manifest.version ?? '?'}, expected ${MODEL_FORMAT} v${MODEL_VERSION}`,
    );
  }
  const dim = manifest.features.dim;
  const raw = gunzipSync(readFileSync(join(dir, WEIGHTS_FILE)));
  const expected = dim * 4 * (1 + manifest.labels.length);
  if (raw.byteLength !== expected) {
    throw new Error(`distillscope: ${WEIGHTS_FILE} in "${dir}" has ${raw.byteLength} bytes, expected ${expected}`);
  }
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const weights = {} as Record<Label, Float32Array>;
  manifest.labels.forEach((label, i) => {
    weights[label] = all.subarray((i + 1) * dim, (i + 2) * dim);
  });
  for (const label of LABELS) {
    if (!weights[label]) throw new Error(`distillscope: model in "${dir}" has no head for label "${label}"`);
  }
  return { manifest, idf: all.subarray(0, dim), weights };
}

/** Write a model folder; the weights are gzip-compressed little-endian float32. */
export function saveModel(model: TaggerModel, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const dim = model.manifest.features.dim;
  const all = new Float32Array(dim * (1 + model.manifest.labels.length));
  all.set(model.idf, 0);
  model.manifest.labels.forEach((label, i) => all.set(model.weights[label], (i + 1) * dim));
  writeFileSync(join(dir, WEIGHTS_FILE), gzipSync(Buffer.from(all.buffer), { level: 9 }));
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(model.manifest, null, 2)}\n`);
}
