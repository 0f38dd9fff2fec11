import type { PromptRecord } from '../io/record.js';
import { normalizeText, type NormalizeNote } from '../normalize/index.js';
import { CUES, findCues, type CueHit } from './cues.js';
import { FNV_OFFSET, fnvStep, hashString } from './hash.js';
import { forEachWord } from './tokenize.js';
import { isWhiteSpaceUnit } from '../util/unicode.js';

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

/**
 * IDF weights by hashed index: a plain array, or one column of a row-per-index table (the tagger
 * keeps each index's IDF beside its head weights, so one cache line serves both lookups).
 */
export type IdfTable = Float32Array | { values: Float32Array; stride: number; offset: number };

export interface Extraction {
  vector: SparseVector;
  cues: CueHit[];
  notes: NormalizeNote[];
  /** The normalized text the features were read from (spans index into it). */
  text: string;
  /**
   * Human-readable names of word, cue and structural features by index, only when asked for
   * (evidence). Character n-grams are not named: evidence reports them together as `chars`.
   */
  names?: Map<number, string>;
}

const NS_WORD = hashString('w');
const NS_PAIR = hashString('p');
const NS_CHAR = hashString('c');
const NS_CUE = hashString('q');
const NS_STRUCT = hashString('s');
/** Word tokens read per prompt. */
const MAX_WORD_TOKENS = 50_000;

/** Feature names for the structural block; these are the struct cues a record can carry. */
export const STRUCT_FEATURES = ['images', 'tools', 'tool_calls', 'system', 'multi_turn'] as const;

// Hashes of the fixed feature names, computed once (the mask is applied per config).
const CUE_HASH = new Map(CUES.map((c) => [c.name, hashString(c.name, NS_CUE)]));
const STRUCT_HASH = STRUCT_FEATURES.map((name) => hashString(name, NS_STRUCT));
const LEN_BUCKETS = Array.from({ length: 13 }, (_, b) => `len${b}`);
const LEN_HASH = LEN_BUCKETS.map((name) => hashString(name, NS_STRUCT));

/**
 * Receives the vector while it is built: each finished stretch [from, to) of `idx`/`val`, in order,
 * once. The arrays are scratch space, valid only during the call.
 */
export type VectorSink = (idx: Uint32Array, val: Float32Array, from: number, to: number) => void;

/**
 * Turn a record into a hashed sparse vector: TF-IDF word unigrams and pairs, TF-IDF character
 * n-grams, cue counts and structural flags. `idf` (from a trained model) weights the hashed
 * n-grams; without it every n-gram weighs 1 (used while counting document frequencies).
 * `sink`, if given, sees each block as soon as it is final, while its table rows are still in
 * cache (the tagger scores there).
 *
 * Example:
 *   const x = extractFeatures(toPromptRecord('Why is the sky blue?'), DEFAULT_FEATURE_CONFIG);
 *   x.vector.idx.length // → 89 (hashed n-grams, cues and length bucket)
 */
export function extractFeatures(
  rec: PromptRecord,
  config: FeatureConfig,
  idf?: IdfTable,
  withNames = false,
  sink?: VectorSink,
): Extraction {
  const { text, notes } = normalizeText(rec.text, { maxChars: config.maxChars });
  const mask = config.dim - 1;
  const names = withNames ? new Map<number, string>() : undefined;
  const out = vectorBuilder;
  out.reset(sink);

  out.addTfIdfBlock(wordIndices(text, mask, names), idf, 1);

  // Character n-grams are the costliest block; the head of a long prompt carries its shape.
  const flat = flatHead(text, config.maxCharNgramChars);
  out.addTfIdfBlock(charNgramIndices(flat, config.charNgrams, mask), idf, config.charWeight);

  const cues = findCues(text);
  for (const c of cues) {
    const j = (CUE_HASH.get(c.name) as number) & mask;
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
  STRUCT_FEATURES.forEach((name, s) => {
    const v = flags[name];
    if (v <= 0) return;
    const j = (STRUCT_HASH[s] as number) & mask;
    out.push(j, 1 + Math.log(v));
    names?.set(j, `struct:${name}`);
  });
  // Length bucket: benchmark-style one-liners and pasted documents behave differently.
  const bucket = Math.min(12, Math.floor(Math.log2(1 + text.length)));
  const lj = (LEN_HASH[bucket] as number) & mask;
  out.push(lj, 1);
  names?.set(lj, `struct:${LEN_BUCKETS[bucket] as string}`);
  return { vector: out.build(), cues, notes, text, ...(names ? { names } : {}) };
}

// Scratch index buffers, reused across calls (extraction is synchronous); each grows on demand.
let wordScratch = new Uint32Array(1024);
let pairScratch = new Uint32Array(1024);
let charScratch = new Uint32Array(4096);
let flatScratch = new Uint16Array(2048);

/** Hashed word unigrams, then word pairs, in text order (the order fixes how values add up). */
function wordIndices(text: string, mask: number, names?: Map<number, string>): Uint32Array {
  // A token is at least one code unit long, so the text length bounds both counts; pairs are then
  // appended to the words.
  if (wordScratch.length < 2 * text.length) wordScratch = new Uint32Array(2 * text.length);
  if (pairScratch.length < text.length) pairScratch = new Uint32Array(text.length);
  const words = wordScratch;
  const pairs = pairScratch;
  let nw = 0;
  let np = 0;
  // hash(prev + join + w, NS_PAIR) continued from the hash of prev, so pair strings are never built.
  let prevPairSeed = 0;
  const wordNames: string[] = [];
  const pairNames: string[] = [];
  forEachWord(text, MAX_WORD_TOKENS, (w, join) => {
    words[nw++] = hashString(w, NS_WORD) & mask;
    if (join !== undefined) {
      pairs[np++] = hashString(w, join === ' ' ? fnvStep(prevPairSeed, 32) : prevPairSeed) & mask;
      if (names) pairNames.push(`${wordNames[wordNames.length - 1] as string}${join}${w}`);
    }
    prevPairSeed = hashString(w, NS_PAIR);
    if (names) wordNames.push(w);
  });
  if (names) {
    // Words name an index before pairs do, as they come first in the block.
    wordNames.forEach((w, t) => {
      const j = words[t] as number;
      if (!names.has(j)) names.set(j, `word:${w}`);
    });
    pairNames.forEach((p, t) => {
      const j = pairs[t] as number;
      if (!names.has(j)) names.set(j, `words:${p}`);
    });
  }
  words.set(pairs.subarray(0, np), nw);
  return words.subarray(0, nw + np);
}

/**
 * What character n-grams are read from: the lower-cased head of the text with each white-space run
 * made one space (as `.replace(/\s+/g, ' ')` would), as code units in a reused buffer.
 */
function flatHead(text: string, maxChars: number): Uint16Array {
  const lower = text.slice(0, maxChars).toLowerCase();
  if (flatScratch.length < lower.length) flatScratch = new Uint16Array(lower.length);
  const out = flatScratch;
  let n = 0;
  let inSpace = false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    const space = isWhiteSpaceUnit(c);
    if (!(space && inSpace)) out[n++] = space ? 32 : c;
    inSpace = space;
  }
  return out.subarray(0, n);
}

function charNgramIndices(flat: Uint16Array, ns: number[], mask: number): Uint32Array {
  const maxN = Math.max(...ns);
  const want = new Uint8Array(maxN + 1);
  for (const n of ns) want[n] = 1;
  if (charScratch.length < flat.length * ns.length) charScratch = new Uint32Array(flat.length * ns.length);
  const out = charScratch;
  const seed = fnvStep(FNV_OFFSET, NS_CHAR);
  let k = 0;
  for (let i = 0; i < flat.length; i++) {
    // One running hash per start position covers every length: FNV-1a of the n-gram, no substring.
    let h = seed;
    for (let n = 1; n <= maxN && i + n <= flat.length; n++) {
      h = fnvStep(h, flat[i + n - 1] as number);
      if (want[n]) out[k++] = h & mask;
    }
  }
  return out.subarray(0, k);
}

/** Without IDF every n-gram weighs 1 (a one-value table read at index 0). */
const NO_IDF = { values: Float32Array.of(1), stride: 0, offset: 0 };
// 1 + ln(tf) for small term counts, the usual ones (Math.log gives the same value every time).
const LOG_TF = Float64Array.from({ length: 64 }, (_, tf) => 1 + Math.log(tf));

/**
 * Accumulates one sparse vector. A single instance is reused across calls (extraction is
 * synchronous), so its buffers grow to the largest prompt seen and are not reallocated per prompt.
 */
class VectorBuilder {
  private idx = new Uint32Array(1024);
  private val = new Float32Array(1024);
  private n = 0;
  // Counting table for addTfIdfBlock: keys (-1 empty), counts, and the slot of each new index.
  private keys = new Int32Array(2048);
  private counts = new Uint32Array(2048);
  private slots = new Int32Array(1024);
  private sink: VectorSink | undefined;
  /** How much of the vector the sink has seen. */
  private sunk = 0;

  reset(sink?: VectorSink): void {
    this.n = 0;
    this.sunk = 0;
    this.sink = sink;
  }

  private flush(): void {
    if (this.sink && this.n > this.sunk) this.sink(this.idx, this.val, this.sunk, this.n);
    this.sunk = this.n;
  }

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
  addTfIdfBlock(indices: Uint32Array, idf: IdfTable | undefined, scale: number): void {
    if (indices.length === 0) return;
    const { values, stride, offset } = idf instanceof Float32Array ? { values: idf, stride: 1, offset: 0 } : (idf ?? NO_IDF);
    // Count with an open-addressing table (linear time; a typed-array sort costs more than the rest of extraction).
    let cap = 16;
    while (cap < indices.length * 2) cap *= 2;
    if (this.keys.length < cap) {
      this.keys = new Int32Array(cap);
      this.counts = new Uint32Array(cap);
    }
    if (this.slots.length < indices.length) this.slots = new Int32Array(indices.length);
    const { keys, counts, slots } = this;
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
        slots[this.n - start] = h;
        this.idx[this.n++] = j;
      } else counts[h] = (counts[h] as number) + 1;
    }
    // Gather the IDFs in a loop of their own: its loads are independent, so their cache misses overlap.
    for (let t = start; t < this.n; t++) this.val[t] = values[(this.idx[t] as number) * stride + offset] as number;
    let norm = 0;
    for (let t = start; t < this.n; t++) {
      const tf = counts[slots[t - start] as number] as number;
      const v = (tf < LOG_TF.length ? (LOG_TF[tf] as number) : 1 + Math.log(tf)) * (this.val[t] as number);
      this.val[t] = v;
      norm += v * v;
    }
    const f = norm > 0 ? scale / Math.sqrt(norm) : 0;
    for (let t = start; t < this.n; t++) this.val[t] = (this.val[t] as number) * f;
    this.flush();
  }

  /** A copy of the vector (both arrays on one buffer: one allocation instead of two). */
  build(): SparseVector {
    this.flush();
    const buffer = new ArrayBuffer(this.n * 8);
    const idx = new Uint32Array(buffer, 0, this.n);
    const val = new Float32Array(buffer, this.n * 4, this.n);
    idx.set(this.idx.subarray(0, this.n));
    val.set(this.val.subarray(0, this.n));
    return { idx, val };
  }
}

const vectorBuilder = new VectorBuilder();
