import type { CueHit } from '../features/cues.js';
import { extractFeatures, type Extraction } from '../features/index.js';
import { toPromptRecord, type PromptRecord } from '../io/record.js';
import type { NormalizeNote } from '../normalize/index.js';
import { applyPlatt } from '../train/calibrate.js';
import { LABELS, type Label } from './labels.js';
import { defaultModelDir, loadModel, type TaggerModel } from './model.js';
import { round4 } from '../util/round.js';
import type { Embedder } from '../embed/types.js';
import { createEmbeddingStep, type EmbeddingUse } from './embedded.js';
import { loadEmbeddingHeads, loadEmbeddingHeadsFile, type EmbeddingHeads } from './embedding-model.js';

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
  /**
   * A sentence encoder to tag with as well (e.g. `createUseLiteEmbedder()`); tagging then goes
   * through `tagAsync` / `tagManyAsync`. Needs heads trained on that encoder's vectors: by default
   * `heads-<embedder id>.json` in the model folder (the shipped model has them for `use-lite`).
   */
  embedder?: Embedder;
  /** With an embedder: `stacked` (default; lexical and embedding heads combined) or `embedding` (embedding heads alone). */
  embeddingUse?: EmbeddingUse;
  /** With an embedder: the heads, or the path of their file (default: found in the model folder). */
  embeddingHeads?: EmbeddingHeads | string;
  /**
   * With a stacked embedder: embed only prompts whose lexical score is within this many log-odds of
   * a threshold, keeping the lexical tag for the rest (default `DEFAULT_EMBED_BAND`, 1.5, chosen on
   * cross-validation; `Infinity` embeds every prompt).
   */
  embedBand?: number;
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
  /** The sentence encoder this tagger also reads with, if any, and the heads it reads its vectors with. */
  readonly embedder?: Embedder;
  readonly embeddingHeads?: EmbeddingHeads;
  /** Tag one record; the only way to tag when an embedder is set (works without one too). */
  tagAsync(record: unknown): Promise<TagResult>;
  /** Tag many records, embedding them in one batch; a bad record throws, naming its index. */
  tagManyAsync(records: readonly unknown[]): Promise<TagResult[]>;
  /** Tag parsed records (the CLI's path). @internal */
  tagRecordsAsync(recs: readonly PromptRecord[]): Promise<TagResult[]>;
}

/** A tag plus the cues it was read from, which the batch scorer reuses from the same pass. @internal */
export interface Analysis {
  result: TagResult;
  cues: CueHit[];
  /** Raw margin of each lexical head, in LABELS order. */
  margins: Float64Array;
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
  // One row per feature: the heads' weights, then its IDF. Tagging reads each feature's row twice
  // (IDF while weighting, then the weights), and the second read finds it in cache.
  const L = heads.length;
  const table = new Float32Array(model.manifest.features.dim * ROW);
  heads.forEach((h, k) => {
    for (let j = 0; j < h.w.length; j++) table[j * ROW + k] = h.w[j] as number;
  });
  for (let j = 0; j < model.idf.length; j++) table[j * ROW + L] = model.idf[j] as number;
  const idf = { values: table, stride: ROW, offset: L };
  const margins = new Float64Array(L);
  const namedBits = new Int32Array((model.manifest.features.dim >>> 5) + 1);
  // Scores each stretch of the vector as extraction finishes it, while its rows are still in cache.
  const score = (idx: Uint32Array, val: Float32Array, from: number, to: number): void => addMargins(idx, val, from, to, table, margins);

  function analyze(rec: PromptRecord): Analysis {
    // Nothing to read: no capability is targeted, and a linear head would only return its bias.
    if (rec.text.trim() === '' && rec.images === 0 && rec.tools === 0 && rec.toolCalls === 0) {
      const result: TagResult = { labels: [], scores: Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>, evidence: {} };
      if (rec.id !== undefined) result.id = rec.id;
      return { result, cues: [], margins: new Float64Array(L).fill(-Infinity) };
    }
    heads.forEach((h, k) => (margins[k] = h.bias));
    const x = extractFeatures(rec, features, idf, nEvidence > 0, score);
    const scores = {} as Record<Label, number>;
    const labels: Label[] = [];
    const evidence: Partial<Record<Label, Evidence[]>> = {};
    let named: EntryNames | undefined;
    for (let k = 0; k < L; k++) {
      const h = heads[k] as (typeof heads)[number];
      const p = applyPlatt(h.platt, margins[k] as number);
      scores[h.label] = round4(p);
      if (p >= h.threshold) {
        labels.push(h.label);
        if (nEvidence > 0) evidence[h.label] = explain(x, (named ??= nameEntries(x, namedBits)), table, k, nEvidence);
      }
    }
    const result: TagResult = { labels, scores, evidence };
    if (rec.id !== undefined) result.id = rec.id;
    if (x.notes.length) result.obfuscation = x.notes;
    return { result, cues: x.cues, margins: margins.slice() };
  }

  const lexicalTag = (rec: PromptRecord): TagResult => analyze(rec).result;
  const embeddingHeads = options.embedder ? embeddingHeadsFor(options, options.embedder) : undefined;
  const step = options.embedder && embeddingHeads ? embeddingStep(options, options.embedder, embeddingHeads) : undefined;
  const tagRecord = step
    ? (): TagResult => {
        throw new Error('distillscope: this tagger reads with an embedder, which is asynchronous: use tagAsync / tagManyAsync');
      }
    : lexicalTag;
  const tagRecordsAsync = async (recs: readonly PromptRecord[]): Promise<TagResult[]> => {
    if (!step) return recs.map(lexicalTag);
    return step(recs, recs.map(analyze));
  };
  const parseAll = (records: readonly unknown[]): PromptRecord[] =>
    records.map((r, i) => {
      try {
        return toPromptRecord(r);
      } catch (err) {
        (err as Error).message = `${(err as Error).message} (record ${i})`;
        throw err;
      }
    });

  return {
    model,
    analyze,
    tagRecord,
    tag: (record) => tagRecord(toPromptRecord(record)),
    tagMany: (records) => parseAll(records).map(tagRecord),
    ...(options.embedder && embeddingHeads ? { embedder: options.embedder, embeddingHeads } : {}),
    tagRecordsAsync,
    tagAsync: async (record) => (await tagRecordsAsync([toPromptRecord(record)]))[0] as TagResult,
    tagManyAsync: async (records) => tagRecordsAsync(parseAll(records)),
  };
}

/** The embedding heads for a tagger's options: given, or found in the model folder. */
function embeddingHeadsFor(options: TaggerOptions, embedder: Embedder): EmbeddingHeads {
  const heads = options.embeddingHeads;
  if (typeof heads === 'object') return heads;
  if (typeof heads === 'string') return loadEmbeddingHeadsFile(heads);
  if (typeof options.model === 'object') throw new Error('distillscope: with a model object and an embedder, pass embeddingHeads too');
  return loadEmbeddingHeads(options.model ?? defaultModelDir(), embedder.id);
}

function embeddingStep(options: TaggerOptions, embedder: Embedder, heads: EmbeddingHeads): ReturnType<typeof createEmbeddingStep> {
  return createEmbeddingStep({
    embedder,
    heads,
    use: options.embeddingUse ?? 'stacked',
    ...(options.embedBand !== undefined ? { band: options.embedBand } : {}),
    ...(options.thresholds ? { thresholds: options.thresholds } : {}),
  });
}

// The heads are unrolled below; if the label set changes size, this line stops compiling.
const HEAD_COUNT: 5 = LABELS.length;
/** Floats per feature row of a tagger's table: the heads' weights and the IDF. */
const ROW = HEAD_COUNT + 1;

/**
 * Add weight · value over idx/val[from, to) to the five margins; `w` holds one row of ROW floats per feature.
 * Unrolled by hand, one local accumulator per head: V8 does not unroll the loop over heads, and
 * this is about twice as fast. The sums run in the same order, so margins are bit-identical.
 */
function addMargins(idx: Uint32Array, val: Float32Array, from: number, to: number, w: Float32Array, margins: Float64Array): void {
  let m0 = margins[0] as number;
  let m1 = margins[1] as number;
  let m2 = margins[2] as number;
  let m3 = margins[3] as number;
  let m4 = margins[4] as number;
  for (let i = from; i < to; i++) {
    const base = (idx[i] as number) * ROW;
    const v = val[i] as number;
    m0 += (w[base] as number) * v;
    m1 += (w[base + 1] as number) * v;
    m2 += (w[base + 2] as number) * v;
    m3 += (w[base + 3] as number) * v;
    m4 += (w[base + 4] as number) * v;
  }
  margins[0] = m0;
  margins[1] = m1;
  margins[2] = m2;
  margins[3] = m3;
  margins[4] = m4;
}

/** Names of a vector's entries for evidence: `ids[i]` indexes `names`; 0 is `chars` (all character n-grams). */
interface EntryNames {
  ids: Int32Array;
  names: string[];
}

/** `named` is scratch space, one bit per hashed index, all clear between calls. */
function nameEntries(x: Extraction, named: Int32Array): EntryNames {
  const names = ['chars'];
  const idOf = new Map<number, number>();
  // Each name belongs to one hashed index, so numbering indices numbers names.
  x.names?.forEach((name, j) => {
    idOf.set(j, names.length);
    names.push(name);
    named[j >>> 5] = (named[j >>> 5] as number) | (1 << (j & 31));
  });
  const { idx } = x.vector;
  const ids = new Int32Array(idx.length);
  // Most entries are character n-grams without a name: the bit test spares them the Map lookup.
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i] as number;
    if ((named[j >>> 5] as number) & (1 << (j & 31))) ids[i] = idOf.get(j) as number;
  }
  x.names?.forEach((_, j) => (named[j >>> 5] = 0));
  return { ids, names };
}

/**
 * Evidence for the head in column `k` of the weight table: weight × value summed by feature name,
 * the `n` largest positive sums, largest first (ties in order of first appearance).
 */
function explain(x: Extraction, named: EntryNames, table: Float32Array, k: number, n: number): Evidence[] {
  const { idx, val } = x.vector;
  const sums = new Float64Array(named.names.length);
  const seen = new Uint8Array(named.names.length);
  const order: number[] = [];
  for (let i = 0; i < idx.length; i++) {
    const c = (table[(idx[i] as number) * ROW + k] as number) * (val[i] as number);
    if (c === 0) continue;
    const id = named.ids[i] as number;
    if (!seen[id]) {
      seen[id] = 1;
      order.push(id);
    }
    sums[id] = (sums[id] as number) + c;
  }
  // The n largest positive sums, ranked as a stable sort would (equal sums in order of appearance).
  const top: number[] = [];
  for (const id of order) {
    const c = sums[id] as number;
    if (!(c > 0)) continue;
    let p = top.length;
    while (p > 0 && (sums[top[p - 1] as number] as number) < c) p--;
    if (p >= n) continue;
    top.splice(p, 0, id);
    if (top.length > n) top.pop();
  }
  return top.map((id) => {
    const feature = named.names[id] as string;
    const ev: Evidence = { feature, weight: Math.round((sums[id] as number) * 1000) / 1000 };
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
