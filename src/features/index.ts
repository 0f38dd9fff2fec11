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
}

export const DEFAULT_FEATURE_CONFIG: Readonly<FeatureConfig> = Object.freeze({
  version: 1,
  dim: 1 << 18,
  charNgrams: [3, 4, 5],
  charWeight: 1,
  maxChars: 100_000,
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

  const flat = text.toLowerCase().replace(WS, ' ');
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

class VectorBuilder {
  private idx: number[] = [];
  private val: number[] = [];

  push(j: number, v: number): void {
    this.idx.push(j);
    this.val.push(v);
  }

  /** Count repeated indices, weight (1 + log tf) · idf, L2-normalize the block, scale it. */
  addTfIdfBlock(indices: Uint32Array, idf: Float32Array | undefined, scale: number): void {
    if (indices.length === 0) return;
    const sorted = indices.slice().sort();
    const start = this.idx.length;
    let norm = 0;
    let i = 0;
    while (i < sorted.length) {
      const j = sorted[i] as number;
      let tf = 0;
      while (i < sorted.length && sorted[i] === j) {
        tf++;
        i++;
      }
      const v = (1 + Math.log(tf)) * (idf ? (idf[j] as number) : 1);
      norm += v * v;
      this.push(j, v);
    }
    const f = norm > 0 ? scale / Math.sqrt(norm) : 0;
    for (let t = start; t < this.val.length; t++) this.val[t] = (this.val[t] as number) * f;
  }

  build(): SparseVector {
    return { idx: Uint32Array.from(this.idx), val: Float32Array.from(this.val) };
  }
}
