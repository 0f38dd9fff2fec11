import { hashString } from '../features/hash.js';
import { createRng } from '../util/rng.js';

/**
 * Near-duplicate detection for prompt batches: shingles → MinHash signatures → LSH bands.
 *
 * Distillation traffic re-sends one scaffold ("Think step by step inside <think> tags…") around
 * thousands of questions, or the same question with small edits. MinHash turns each prompt into a
 * short signature whose agreement rate estimates the Jaccard similarity of the shingle sets, and
 * banding the signature finds similar pairs without comparing every pair.
 */

/** Mersenne prime 2^31 − 1: with x split in 16-bit halves every a·x + b stays below 2^48, exact in doubles without BigInt. */
const P = 0x7fffffff;
const INV_TWO_31 = 1 / 0x80000000;
/** Signature value of an empty shingle set: above every real value (all are < P), so it never matches one. */
const EMPTY_SLOT = 0xffffffff;
const WORD_SEED = 0x5157_0001;
const CHAR_SEED = 0x5157_0002;
const BAND_SEED = 0x5157_0003;
const OPH_SEED = 0x5157_0004;
const PROBE_SEED = 0x5157_0005;

const CJK_CHARS = '\\p{Script_Extensions=Han}\\p{Script_Extensions=Hiragana}\\p{Script_Extensions=Katakana}';
const CJK = new RegExp(`[${CJK_CHARS}]`, 'u');
const SPACES = /\s+/g;

const SHINGLE_KINDS = ['word', 'char'] as const;
const DEFAULT_SIZE = { word: 3, char: 5 } as const;

/**
 * Defaults for MinHash + LSH: 64 hashes cut into 16 bands of 4 rows. A pair lands in a common
 * bucket with probability 1 − (1 − J⁴)¹⁶, which crosses ½ near J ≈ (1/16)^(1/4) ≈ 0.5: pairs at
 * J = 0.8 are found 99.98% of the time, pairs at J = 0.2 about 2.5% of the time.
 *
 * Example:
 *   const { numHashes, bands, rows } = DEFAULT_LSH; // → 64, 16, 4
 */
export const DEFAULT_LSH = Object.freeze({ numHashes: 64, bands: 16, rows: 4 });

/** One MurmurHash3 body step: fold a 32-bit word into a running hash. */
function mixStep(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3 finalizer: a bijection on 32 bits with full avalanche. It spreads weak hashes (FNV of
 * similar strings differs mostly in low bits) over all bits without creating collisions.
 * @internal
 *
 * Example:
 *   mix32(0); // → 0
 *   mix32(1); // → 1364076727
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Check a count-like argument; the message names it and what was received. @internal */
export function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`distillscope: ${name} must be a positive integer, received ${v}`);
  return v;
}

/** Sort, drop repeats and trim to size. */
function uniqueSorted(hashes: Uint32Array, n: number): Uint32Array {
  const a = hashes.subarray(0, n).sort();
  let u = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[u - 1]) a[u++] = a[i] as number;
  return a.slice(0, u);
}

// Character classes by UTF-16 unit, learnt on first sight (0 unknown, 1 other, 2 word, 3 CJK word):
// the scanner below reads tokens without a regex per run of letters.
const UNIT_CLASS = new Uint8Array(65536);
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const OTHER = 1;
const WORD = 2;
const CJK_WORD = 3;

function classOf(ch: string): number {
  if (!WORD_CHAR.test(ch)) return OTHER;
  return CJK.test(ch) ? CJK_WORD : WORD;
}

function unitClass(c: number): number {
  let k = UNIT_CLASS[c] as number;
  if (k === 0) {
    k = classOf(String.fromCharCode(c));
    UNIT_CLASS[c] = k;
  }
  return k;
}

/**
 * Hashes of a text's word tokens, in order: runs of letters, marks and digits, with each Han,
 * Hiragana or Katakana character a token of its own (a mixed run like "用gpt回答" gives 用 / gpt / 回 / 答).
 */
function tokenHashes(text: string): number[] {
  const out: number[] = [];
  let start = -1;
  const close = (end: number): void => {
    if (start >= 0) out.push(hashString(text.slice(start, end)));
    start = -1;
  };
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    let width = 1;
    let k: number;
    if (c < 128) k = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? WORD : OTHER;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const cp = text.codePointAt(i) as number;
      width = cp > 0xffff ? 2 : 1;
      k = width === 2 ? classOf(String.fromCodePoint(cp)) : unitClass(c);
    } else k = unitClass(c);
    if (k === OTHER) close(i);
    else if (k === CJK_WORD) {
      close(i);
      out.push(hashString(text.slice(i, i + width)));
    } else if (start < 0) start = i;
    i += width;
  }
  close(text.length);
  return out;
}

function codePoints(text: string): Uint32Array {
  const cps = new Uint32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i) as number;
    cps[n++] = c;
    if (c > 0xffff) i++;
  }
  return cps.subarray(0, n);
}

/** How many windows `windowHashesInto` writes for `n` items. */
function windowCount(n: number, size: number): number {
  return n === 0 ? 0 : n - Math.min(size, n) + 1;
}

/** Hash every window of `size` items (or the whole sequence when shorter) into `out`, in order; returns the count. */
function windowHashesInto(items: ArrayLike<number>, size: number, seed: number, out: Uint32Array): number {
  const n = items.length;
  const k = Math.min(size, n);
  const count = windowCount(n, size);
  for (let i = 0; i < count; i++) {
    let h = seed;
    for (let j = 0; j < k; j++) h = mixStep(h, items[i + j] as number);
    out[i] = mix32(h ^ k);
  }
  return count;
}

/** Hash every window of `size` items (or the whole sequence when shorter), deduplicated and sorted. */
function windowHashes(items: ArrayLike<number>, size: number, seed: number): Uint32Array {
  const out = new Uint32Array(windowCount(items.length, size));
  return uniqueSorted(out, windowHashesInto(items, size, seed, out));
}

/**
 * Deduplicated 32-bit hashes of a text's shingles, sorted ascending.
 *
 * - `kind: 'word'` (default): windows of `size` (default 3) lower-cased word tokens. A token is a
 *   run of letters, marks or digits; each Han, Hiragana or Katakana character is a token of its own.
 * - `kind: 'char'`: windows of `size` (default 5) code points of the lower-cased text with
 *   whitespace runs collapsed to one space.
 *
 * A text with fewer tokens than `size` gives one shingle of all its tokens; a text without tokens
 * gives an empty array.
 *
 * Example:
 *   shingleHashes('Think step by step.').length;              // → 2 ("think step by", "step by step")
 *   shingleHashes('请一步一步思考').length;                     // → 5 (请一步, 一步一, 步一步, 一步思, 步思考)
 *   shingleHashes('Hi!').length;                              // → 1 (one short shingle)
 *   shingleHashes('  ').length;                               // → 0
 *   shingleHashes('abcdef', { kind: 'char', size: 5 }).length; // → 2 ("abcde", "bcdef")
 */
export function shingleHashes(text: string, opts: { kind?: 'word' | 'char'; size?: number } = {}): Uint32Array {
  if (typeof text !== 'string') throw new TypeError(`distillscope: shingleHashes expects a string, received ${typeof text}`);
  const kind = opts.kind ?? 'word';
  if (!SHINGLE_KINDS.includes(kind)) throw new RangeError(`distillscope: unknown shingle kind "${String(kind)}". Must be one of [${SHINGLE_KINDS}]`);
  const size = positiveInt('shingle size', opts.size ?? DEFAULT_SIZE[kind]);
  const lower = text.toLowerCase();
  if (kind === 'word') return windowHashes(tokenHashes(lower), size, WORD_SEED);
  return windowHashes(codePoints(lower.replace(SPACES, ' ').trim()), size, CHAR_SEED);
}

interface HashParams {
  numHashes: number;
  seed: number;
  a: Float64Array;
  /** a_i · 2^16 mod P, so a·x = (a·2^16)·x_hi + a·x_lo needs a single reduction. */
  a16: Float64Array;
  b: Float64Array;
}

let lastParams: HashParams | undefined;

/** The (a_i, b_i) pairs for a seed, drawn once and kept for the next call with the same seed. */
function hashParams(numHashes: number, seed: number): HashParams {
  if (lastParams && lastParams.numHashes === numHashes && lastParams.seed === seed) return lastParams;
  const rand = createRng(seed);
  const a = new Float64Array(numHashes);
  const a16 = new Float64Array(numHashes);
  const b = new Float64Array(numHashes);
  for (let i = 0; i < numHashes; i++) {
    a[i] = 1 + Math.floor(rand() * (P - 1));
    a16[i] = ((a[i] as number) * 65536) % P;
    b[i] = Math.floor(rand() * P);
  }
  lastParams = { numHashes, seed, a, a16, b };
  return lastParams;
}

/**
 * MinHash signature of a shingle set: for each of `numHashes` hash functions
 * h_i(x) = (a_i·x + b_i) mod (2^31 − 1), with a_i, b_i drawn from a generator seeded by `seed`, the
 * smallest h_i over the set. Two signatures agree at a position with probability equal to the
 * Jaccard similarity of their sets. The arithmetic is exact in doubles (x is split into 16-bit
 * halves so every intermediate stays below 2^48), so no BigInt is needed. An empty set gives a
 * signature of all 0xffffffff.
 *
 * Example:
 *   const sig = minhashSignature(shingleHashes('Think step by step inside <think> tags.'));
 *   sig.length; // → 64 (the same numbers for every run with seed 1)
 *   minhashSignature(new Uint32Array(0), 4); // → Uint32Array [4294967295, 4294967295, 4294967295, 4294967295]
 */
export function minhashSignature(shingles: Uint32Array, numHashes: number = DEFAULT_LSH.numHashes, seed = 1): Uint32Array {
  positiveInt('numHashes', numHashes);
  if (!Number.isInteger(seed)) throw new RangeError(`distillscope: seed must be an integer, received ${seed}`);
  const sig = new Uint32Array(numHashes).fill(EMPTY_SLOT);
  const n = shingles.length;
  if (n === 0) return sig;
  // Reduce each shingle below P once (2^31 ≡ 1 mod P) and split it, so the inner loop is pure arithmetic.
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const s = shingles[j] as number;
    let x = (s & P) + (s >>> 31);
    if (x >= P) x -= P;
    hi[j] = x >>> 16;
    lo[j] = x & 0xffff;
  }
  const { a, a16, b } = hashParams(numHashes, seed >>> 0);
  for (let i = 0; i < numHashes; i++) {
    const ai = a[i] as number;
    const ci = a16[i] as number;
    const bi = b[i] as number;
    let min = EMPTY_SLOT;
    for (let j = 0; j < n; j++) {
      let t = ci * (hi[j] as number) + ai * (lo[j] as number) + bi;
      // t / 2^31 never overshoots t / P, so the quotient is exact or one short: one subtraction fixes it.
      t -= Math.floor(t * INV_TWO_31) * P;
      if (t >= P) t -= P;
      if (t < min) min = t;
    }
    sig[i] = min;
  }
  return sig;
}

/**
 * One-permutation MinHash with optimal densification (Li, Owen & Zhang 2012; Shrivastava 2017): one
 * hash per shingle splits the hash range into `numHashes` bins and keeps each bin's smallest hash;
 * an empty bin borrows the value of the first non-empty bin along its own seeded probe sequence.
 * Two signatures agree at a position with probability equal to the Jaccard similarity of the sets,
 * as with {@link minhashSignature}, and LSH banding works the same; the cost is one hash per shingle
 * plus the bins, not one per shingle per bin (about 50× less work for a 500-shingle prompt at 64
 * bins). This is the signature the batch scorer uses. An empty set gives all 0xffffffff.
 *
 * Example:
 *   const sig = onePermutationSignature(shingleHashes('Think step by step inside <think> tags.'));
 *   sig.length; // → 64
 *   onePermutationSignature(new Uint32Array(0), 2); // → Uint32Array [4294967295, 4294967295]
 */
export function onePermutationSignature(shingles: Uint32Array, numHashes: number = DEFAULT_LSH.numHashes, seed = 1): Uint32Array {
  positiveInt('numHashes', numHashes);
  if (!Number.isInteger(seed)) throw new RangeError(`distillscope: seed must be an integer, received ${seed}`);
  return ophInto(shingles, shingles.length, seed, new Uint32Array(numHashes));
}

let filledScratch = new Uint8Array(64);

/** One-permutation signature of the first `n` values of `shingles` (repeats and order do not matter) into `sig`. */
function ophInto(shingles: ArrayLike<number>, n: number, seed: number, sig: Uint32Array): Uint32Array {
  const k = sig.length;
  sig.fill(EMPTY_SLOT);
  if (n === 0) return sig;
  if (filledScratch.length < k) filledScratch = new Uint8Array(k);
  const filled = filledScratch;
  filled.fill(0, 0, k);
  const base = mixStep(OPH_SEED, seed);
  const scale = k / 4294967296;
  for (let j = 0; j < n; j++) {
    // A hash below 2^32 − 1 (0xffffffff is the empty marker; one value in 2^32 is folded onto its neighbour).
    let h = mix32(mixStep(base, shingles[j] as number));
    if (h === EMPTY_SLOT) h = EMPTY_SLOT - 1;
    const bin = Math.floor(h * scale);
    if (h < (sig[bin] as number)) sig[bin] = h;
    filled[bin] = 1;
  }
  const probe = mixStep(PROBE_SEED, seed);
  for (let i = 0; i < k; i++) {
    if (filled[i]) continue;
    // Bins are filled independently of the set's other values, so both sets of a pair borrow along
    // the same sequence for bin i, and agree exactly when the first bin they both reach agrees.
    for (let attempt = 0; ; attempt++) {
      const from = Math.floor(mix32(mixStep(mixStep(probe, i), attempt)) * scale);
      if (filled[from]) {
        sig[i] = sig[from] as number;
        break;
      }
    }
  }
  return sig;
}

let windowScratch = new Uint32Array(1024);

/**
 * `onePermutationSignature(shingleHashes(text))` written into `out` (its length is the number of
 * hashes), without building the sorted shingle set: the signature depends only on the set, so the
 * window hashes go straight in. The batch scorer's per-prompt path; nothing is allocated but the
 * token hashes.
 * @internal
 */
export function wordShingleSignature(text: string, out: Uint32Array, seed = 1): Uint32Array {
  const tokens = tokenHashes(text.toLowerCase());
  const need = windowCount(tokens.length, DEFAULT_SIZE.word);
  if (windowScratch.length < need) windowScratch = new Uint32Array(Math.max(need, windowScratch.length * 2));
  return ophInto(windowScratch, windowHashesInto(tokens, DEFAULT_SIZE.word, WORD_SEED, windowScratch), seed, out);
}

/**
 * Share of positions where two MinHash signatures agree: an unbiased estimate of the Jaccard
 * similarity of the shingle sets (standard error √(J(1−J)/numHashes)).
 *
 * Example:
 *   estimateJaccard(Uint32Array.of(1, 2, 3, 4), Uint32Array.of(1, 2, 9, 9)); // → 0.5
 */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError(`distillscope: signatures differ in length (${a.length} and ${b.length})`);
  if (a.length === 0) throw new RangeError('distillscope: cannot compare empty signatures');
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

function sortedSet(s: Uint32Array): Uint32Array {
  for (let i = 1; i < s.length; i++) if ((s[i] as number) <= (s[i - 1] as number)) return uniqueSorted(s.slice(), s.length);
  return s;
}

/**
 * Exact Jaccard similarity |A ∩ B| / |A ∪ B| of two shingle sets. Inputs need not be sorted or
 * deduplicated (those from {@link shingleHashes} already are, and are read without copying). Two
 * empty sets count as identical (1), matching what their MinHash signatures estimate.
 *
 * Example:
 *   exactJaccard(Uint32Array.of(1, 2, 3), Uint32Array.of(2, 3, 4)); // → 0.5
 *   exactJaccard(new Uint32Array(0), new Uint32Array(0));            // → 1
 */
export function exactJaccard(a: Uint32Array, b: Uint32Array): number {
  const x = sortedSet(a);
  const y = sortedSet(b);
  if (x.length === 0 && y.length === 0) return 1;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < x.length && j < y.length) {
    const u = x[i] as number;
    const v = y[j] as number;
    if (u === v) {
      common++;
      i++;
      j++;
    } else if (u < v) i++;
    else j++;
  }
  return common / (x.length + y.length - common);
}

/**
 * One 32-bit key per LSH band: a hash of the band's `rows` signature values mixed with the band
 * index, so equal rows in different bands give different keys and one table can hold every band.
 * The signature must have exactly `bands × rows` values.
 *
 * Example:
 *   const sig = minhashSignature(shingleHashes('Solve 2x + 3 = 7. Think step by step.'));
 *   lshBandKeys(sig, 16, 4).length; // → 16
 *   const [k0, k1] = lshBandKeys(new Uint32Array(8), 2, 4); // k0 !== k1 although both bands are all zeros
 */
export function lshBandKeys(sig: Uint32Array, bands: number, rows: number): Uint32Array {
  positiveInt('bands', bands);
  positiveInt('rows', rows);
  if (bands * rows !== sig.length) {
    throw new RangeError(`distillscope: ${bands} bands × ${rows} rows need a signature of ${bands * rows} values, received ${sig.length}`);
  }
  const keys = new Uint32Array(bands);
  for (let band = 0; band < bands; band++) {
    let h = mixStep(BAND_SEED, band);
    for (let r = band * rows, end = r + rows; r < end; r++) h = mixStep(h, sig[r] as number);
    keys[band] = mix32(h ^ rows);
  }
  return keys;
}

/**
 * An LSH table over MinHash signatures: items that share at least one band key become candidate
 * near-duplicates. Memory is one table entry per band per item (an id alone until a bucket holds
 * two), so it grows linearly with the items added.
 *
 * Example:
 *   const sig = (t: string) => minhashSignature(shingleHashes(t));
 *   const index = new LshIndex();
 *   index.add(0, sig('Think step by step inside <think> tags. Q: What is 17 × 23?'));
 *   index.add(1, sig('Write a haiku about the sea.'));
 *   index.candidates(sig('Think step by step inside <think> tags. Q: What is 17 × 24?')); // → [0]
 *   index.size; // → 2
 */
export class LshIndex {
  readonly bands: number;
  readonly rows: number;
  readonly #buckets = new Map<number, number | number[]>();
  readonly #ids = new Set<number>();

  constructor(opts: { bands?: number; rows?: number } = {}) {
    this.bands = positiveInt('bands', opts.bands ?? DEFAULT_LSH.bands);
    this.rows = positiveInt('rows', opts.rows ?? DEFAULT_LSH.rows);
  }

  /** Number of items added. */
  get size(): number {
    return this.#ids.size;
  }

  /** Index a signature under `id` (a safe integer, not added before). */
  add(id: number, sig: Uint32Array): void {
    if (!Number.isSafeInteger(id)) throw new RangeError(`distillscope: LshIndex ids must be safe integers, received ${id}`);
    if (this.#ids.has(id)) throw new RangeError(`distillscope: LshIndex already holds id ${id}`);
    const keys = lshBandKeys(sig, this.bands, this.rows);
    this.#ids.add(id);
    for (const key of keys) {
      const held = this.#buckets.get(key);
      if (held === undefined) this.#buckets.set(key, id);
      else if (typeof held === 'number') this.#buckets.set(key, [held, id]);
      else held.push(id);
    }
  }

  /** Ids sharing at least one band key with `sig`, each once, ascending. */
  candidates(sig: Uint32Array): number[] {
    const found = new Set<number>();
    for (const key of lshBandKeys(sig, this.bands, this.rows)) {
      const held = this.#buckets.get(key);
      if (held === undefined) continue;
      if (typeof held === 'number') found.add(held);
      else for (const id of held) found.add(id);
    }
    return [...found].sort((x, y) => x - y);
  }
}
