import type { PromptRecord } from '../io/record.js';
import { normalizeText, type NormalizeNote } from '../normalize/index.js';
import { findCues, type CueHit } from './cues.js';
import { FNV_OFFSET, fnvStep, hashString } from './hash.js';
import { wordTokens } from './tokenize.js';

/** How prompts become sparse vectors. Stored in each model's manifest; a model only reads vectors made with its own config. */
export interface FeatureConfig {
  version: 1;
  /** Hash space size, a power of two. */
  dim: number;
  /** Character n-gram lengths. */
  charNgrams: number[];
  /** Weight of the character block relative to the word block (each block is L2-normalized). */
  charWeight: number;
  /** Characters of a prompt that are looked at. */
  maxChars: number;
  /** Characters that character n-grams are read from (words and cues read up to maxChars). */
  maxCharNgramChars: number;
}

export const DEFAULT_FEATURE_CONFIG: Readonly<FeatureConfig> = Object.freeze({
  version: 1,
  dim: 1 << 18,
  charNgrams: [3, 4, 5],
  charWeight: 0.7,
  maxChars: 100_000,
  maxCharNgramChars: 2_000,
});

/** A sparse vector: parallel index and value arrays; an index may repeat (values add up). */
export interface SparseVector {
  idx: Uint32Array;
  val: Float32Array;
}

export interface Extraction {
  vector: SparseVector;
  cues: CueHit[];
  notes: NormalizeNote[];
  /** The normalized text the features were read from (spans index into it). */
  text: string;
  /** Human-readable feature names by index, only when asked for (evidence). */
  names?: Map<number, string>;
}

const NS_WORD = hashString('w');
const NS_PAIR = hashString('p');
const NS_CHAR = hashString('c');
const NS_CUE = hashString('q');
const NS_STRUCT = hashString('s');
const WS = /\s+/g;

/** Feature names for the structural block; these are the struct cues a record can carry. */
export const STRUCT_FEATURES = ['images', 'tools', 'tool_calls', 'system', 'multi_turn'] as const;

/**
 * Turn a record into a hashed sparse vector: TF-IDF word unigrams and pairs, TF-IDF character
 * n-grams, cue counts and structural flags. `idf` (from a trained model) weights the hashed
 * n-grams; without it every n-gram weighs 1 (used while counting document frequencies).
 *
 * Example:
 *   const x = extractFeatures(toPromptRecord('Why is the sky blue?'), DEFAULT_FEATURE_CONFIG);
 *   x.vector.idx.length // → 89 (hashed n-grams, cues and length bucket)
 */
export function extractFeatures(
  rec: PromptRecord,
  config: FeatureConfig,
  idf?: Float32Array,
  withNames = false,
): Extraction {
  const { text, notes } = normalizeText(rec.text, { maxChars: config.maxChars });
  const mask = config.dim - 1;
  const names = withNames ? new Map<number, string>() : undefined;
  const out = new VectorBuilder();

  const toks = wordTokens(text);
  const wordIdx = new Uint32Array(toks.words.length + toks.pairs.length);
  let k = 0;
  for (const w of toks.words) {
    const j = hashString(w, NS_WORD) & mask;
    wordIdx[k++] = j;
    if (names && !names.has(j)) names.set(j, `word:${w}`);
  }
  for (const p of toks.pairs) {
    const j = hashString(p, NS_PAIR) & mask;
    wordIdx[k++] = j;
    if (names && !names.has(j)) names.set(j, `words:${p}`);
  }
  out.addTfIdfBlock(wordIdx, idf, 1);

  // Character n-grams are the costliest block; the head of a long prompt carries its shape.
  const flat = text.slice(0, config.maxCharNgramChars).toLowerCase().replace(WS, ' ');
  const charIdx = charNgramIndices(flat, config.charNgrams, mask, names);
  out.addTfIdfBlock(charIdx, idf, config.charWeight);

  const cues = findCues(text);
  for (const c of cues) {
    const j = hashString(c.name, NS_CUE) & mask;
    out.push(j, 1 + Math.log(c.count));
    names?.set(j, `cue:${c.name}`);
  }
  const flags: Record<(typeof STRUCT_FEATURES)[number], number> = {
    images: rec.images,
    tools: rec.tools,
    tool_calls: rec.toolCalls,
    system: rec.systemText.length > 0 ? 1 : 0,
    multi_turn: rec.turns > 1 ? 1 : 0,
  };
  for (const name of STRUCT_FEATURES) {
    const v = flags[name];
    if (v <= 0) continue;
    const j = hashString(name, NS_STRUCT) & mask;
    out.push(j, 1 + Math.log(v));
    names?.set(j, `struct:${name}`);
  }
  // Length bucket: benchmark-style one-liners and pasted documents behave differently.
  const lenBucket = `len${Math.min(12, Math.floor(Math.log2(1 + text.length)))}`;
  const lj = hashString(lenBucket, NS_STRUCT) & mask;
  out.push(lj, 1);
  names?.set(lj, `struct:${lenBucket}`);
  return { vector: out.build(), cues, notes, text, ...(names ? { names } : {}) };
}

function charNgramIndices(flat: string, ns: number[], mask: number, names?: Map<number, string>): Uint32Array {
  const maxN = Math.max(...ns);
  const want = new Uint8Array(maxN + 1);
  for (const n of ns) want[n] = 1;
  const out = new Uint32Array(Math.max(0, flat.length) * ns.length);
  let k = 0;
  for (let i = 0; i < flat.length; i++) {
    let h = fnvStep(FNV_OFFSET, NS_CHAR);
    for (let n = 1; n <= maxN && i + n <= flat.length; n++) {
      h = fnvStep(h, flat.charCodeAt(i + n - 1));
      if (want[n]) {
        const j = h & mask;
        out[k++] = j;
        if (names && !names.has(j)) names.set(j, `chars:${flat.slice(i, i + n)}`);
      }
    }
  }
  return out.subarray(0, k);
}

// Scratch space for counting, reused across calls (extraction is synchronous).
let scratchKeys = new Int32Array(1024);
let scratchCounts = new Uint32Array(1024);

class VectorBuilder {
  private idx = new Uint32Array(256);
  private val = new Float32Array(256);
  private n = 0;

  private reserve(extra: number): void {
    if (this.n + extra <= this.idx.length) return;
    const size = Math.max(this.idx.length * 2, this.n + extra);
    const idx = new Uint32Array(size);
    const val = new Float32Array(size);
    idx.set(this.idx.subarray(0, this.n));
    val.set(this.val.subarray(0, this.n));
    this.idx = idx;
    this.val = val;
  }

  push(j: number, v: number): void {
    this.reserve(1);
    this.idx[this.n] = j;
    this.val[this.n] = v;
    this.n++;
  }

  /** Count repeated indices, weight (1 + log tf) · idf, L2-normalize the block, scale it. */
  addTfIdfBlock(indices: Uint32Array, idf: Float32Array | undefined, scale: number): void {
    if (indices.length === 0) return;
    // Count with an open-addressing table (linear time; a typed-array sort costs more than the rest of extraction).
    let cap = 16;
    while (cap < indices.length * 2) cap *= 2;
    if (scratchKeys.length < cap) {
      scratchKeys = new Int32Array(cap);
      scratchCounts = new Uint32Array(cap);
    }
    const keys = scratchKeys;
    const counts = scratchCounts;
    keys.fill(-1, 0, cap);
    const mask = cap - 1;
    this.reserve(indices.length);
    const start = this.n;
    for (let t = 0; t < indices.length; t++) {
      const j = indices[t] as number;
      let h = Math.imul(j, 0x9e3779b1) & mask;
      while (keys[h] !== -1 && keys[h] !== j) h = (h + 1) & mask;
      if (keys[h] === -1) {
        keys[h] = j;
        counts[h] = 1;
        this.idx[this.n++] = j;
      } else counts[h] = (counts[h] as number) + 1;
    }
    let norm = 0;
    for (let t = start; t < this.n; t++) {
      const j = this.idx[t] as number;
      let h = Math.imul(j, 0x9e3779b1) & mask;
      while (keys[h] !== j) h = (h + 1) & mask;
      const v = (1 + Math.log(counts[h] as number)) * (idf ? (idf[j] as number) : 1);
      this.val[t] = v;
      norm += v * v;
    }
    const f = norm > 0 ? scale / Math.sqrt(norm) : 0;
    for (let t = start; t < this.n; t++) this.val[t] = (this.val[t] as number) * f;
  }

  build(): SparseVector {
    return { idx: this.idx.slice(0, this.n), val: this.val.slice(0, this.n) };
  }
}
