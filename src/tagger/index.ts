import type { CueHit } from '../features/cues.js';
import { extractFeatures, type Extraction } from '../features/index.js';
import { toPromptRecord, type PromptRecord } from '../io/record.js';
import type { NormalizeNote } from '../normalize/index.js';
import { applyPlatt } from '../train/calibrate.js';
import { LABELS, type Label } from './labels.js';
import { defaultModelDir, loadModel, type TaggerModel } from './model.js';
import { round4 } from '../util/round.js';

/** One piece of evidence behind a label: a feature and how much it pushed the score. */
export interface Evidence {
  /** `cue:<name>`, `struct:<name>`, `word:<token>`, `words:<pair>`, or `chars` (all character n-grams together). */
  feature: string;
  /** Contribution to the label's margin (weight × value). */
  weight: number;
  /** For cues: the matched text and its [start, end) span in the normalized text. */
  text?: string;
  span?: [number, number];
}

/** The tag of one prompt; the same shape from the library and the CLI. */
export interface TagResult {
  id?: string;
  labels: Label[];
  /** Calibrated probability per label. */
  scores: Record<Label, number>;
  /** For each given label, the strongest evidence, strongest first. */
  evidence: Partial<Record<Label, Evidence[]>>;
  /** Obfuscation that normalization undid, when there was any. */
  obfuscation?: NormalizeNote[];
}

export interface TaggerOptions {
  /** A loaded model, or the path of a model folder; default: the shipped model. */
  model?: TaggerModel | string;
  /** Evidence items per label (0 turns evidence off, which is faster). Default 5. */
  evidence?: number;
  /** Per-label thresholds that replace the model's own. */
  thresholds?: Partial<Record<Label, number>>;
  /** Characters of each prompt read (default: the model's, 100,000); lower trades recall on very long prompts for speed. */
  maxChars?: number;
}

export interface Tagger {
  readonly model: TaggerModel;
  /** Tag one record (string, `{text}`, `{prompt}` or chat `{messages, tools}`). Throws RecordError on bad input. */
  tag(record: unknown): TagResult;
  /** Tag many records; a bad record throws, naming its index. */
  tagMany(records: readonly unknown[]): TagResult[];
  /** Tag an already parsed record (used by the CLI and the batch scorer, which parse once). @internal */
  tagRecord(rec: PromptRecord): TagResult;
  /** Tag a parsed record and also return the cues it was read from. @internal */
  analyze(rec: PromptRecord): Analysis;
}

/** A tag plus the cues it was read from, which the batch scorer reuses from the same pass. @internal */
export interface Analysis {
  result: TagResult;
  cues: CueHit[];
}

/**
 * Create a capability tagger. Loads the shipped model unless one is passed in.
 *
 * Example:
 *   const tagger = createTagger();
 *   tagger.tag('Think step by step and put the final answer in \\boxed{}: what is 17 × 23?').labels
 *   // → ['reasoning']
 *   tagger.tag({ messages: [{ role: 'user', content: [
 *     { type: 'text', text: 'What is written on the sign?' },
 *     { type: 'image_url', image_url: { url: 'https://example.com/sign.jpg' } }] }] }).labels
 *   // → ['vision']
 */
export function createTagger(options: TaggerOptions = {}): Tagger {
  const model = typeof options.model === 'object' ? options.model : loadModel(options.model ?? defaultModelDir());
  const nEvidence = options.evidence ?? 5;
  const features = options.maxChars ? { ...model.manifest.features, maxChars: options.maxChars } : model.manifest.features;
  const heads = LABELS.map((label) => {
    const h = model.manifest.heads[label];
    return { label, w: model.weights[label], bias: h.bias, platt: h.platt, threshold: options.thresholds?.[label] ?? h.threshold };
  });
  // Interleave the heads' weights (feature-major) so one cache line serves all five dot products.
  const L = heads.length;
  const interleaved = new Float32Array(model.manifest.features.dim * L);
  heads.forEach((h, k) => {
    for (let j = 0; j < h.w.length; j++) interleaved[j * L + k] = h.w[j] as number;
  });
  const margins = new Float64Array(L);

  function analyze(rec: PromptRecord): Analysis {
    // Nothing to read: no capability is targeted, and a linear head would only return its bias.
    if (rec.text.trim() === '' && rec.images === 0 && rec.tools === 0 && rec.toolCalls === 0) {
      const result: TagResult = { labels: [], scores: Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>, evidence: {} };
      if (rec.id !== undefined) result.id = rec.id;
      return { result, cues: [] };
    }
    const x = extractFeatures(rec, features, model.idf, nEvidence > 0);
    const { idx, val } = x.vector;
    const scores = {} as Record<Label, number>;
    const labels: Label[] = [];
    const evidence: Partial<Record<Label, Evidence[]>> = {};
    heads.forEach((h, k) => (margins[k] = h.bias));
    for (let i = 0; i < idx.length; i++) {
      const base = (idx[i] as number) * L;
      const v = val[i] as number;
      for (let k = 0; k < L; k++) margins[k] = (margins[k] as number) + (interleaved[base + k] as number) * v;
    }
    for (let k = 0; k < L; k++) {
      const h = heads[k] as (typeof heads)[number];
      const p = applyPlatt(h.platt, margins[k] as number);
      scores[h.label] = round4(p);
      if (p >= h.threshold) {
        labels.push(h.label);
        if (nEvidence > 0) evidence[h.label] = explain(x, h.w, nEvidence);
      }
    }
    const result: TagResult = { labels, scores, evidence };
    if (rec.id !== undefined) result.id = rec.id;
    if (x.notes.length) result.obfuscation = x.notes;
    return { result, cues: x.cues };
  }

  const tagRecord = (rec: PromptRecord): TagResult => analyze(rec).result;

  return {
    model,
    analyze,
    tagRecord,
    tag: (record) => tagRecord(toPromptRecord(record)),
    tagMany: (records) =>
      records.map((r, i) => {
        try {
          return tagRecord(toPromptRecord(r));
        } catch (err) {
          (err as Error).message = `${(err as Error).message} (record ${i})`;
          throw err;
        }
      }),
  };
}

function explain(x: Extraction, w: Float32Array, n: number): Evidence[] {
  const byName = new Map<string, number>();
  const { idx, val } = x.vector;
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i] as number;
    const c = (w[j] as number) * (val[i] as number);
    if (c === 0) continue;
    const raw = x.names?.get(j) ?? 'chars';
    const name = raw.startsWith('chars:') ? 'chars' : raw;
    byName.set(name, (byName.get(name) ?? 0) + c);
  }
  const top = [...byName.entries()].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]).slice(0, n);
  return top.map(([feature, c]) => {
    const ev: Evidence = { feature, weight: Math.round(c * 1000) / 1000 };
    if (feature.startsWith('cue:')) {
      const hit = x.cues.find((h) => `cue:${h.name}` === feature);
      const span = hit?.spans[0];
      if (span) {
        ev.span = span;
        ev.text = x.text.slice(span[0], span[1]);
      }
    }
    return ev;
  });
}
