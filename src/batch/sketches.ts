import { isObject } from '../io/record.js';
import { mix32, positiveInt } from './minhash.js';

/**
 * Bounded, mergeable per-batch sketches. A batch can hold millions of prompts; these keep a fixed
 * amount of state however many records pass through, and two sketches built on two halves of a
 * stream merge into what one sketch over the whole stream would hold (HyperLogLog, BottomK) or
 * into a summary with the same guarantees (SpaceSaving). So batches can be sketched in parallel,
 * per shard or per day, and combined later.
 */

const HLL_FORMAT = 'distillscope.hyperloglog';
const SPACE_SAVING_FORMAT = 'distillscope.space-saving';
const FORMAT_VERSION = 1;
const MIN_PRECISION = 4;
const MAX_PRECISION = 16;
const TWO_32 = 0x1_0000_0000;

/** Accept a signed or unsigned 32-bit integer (Math.imul gives signed ones) as its unsigned bit pattern. */
function uint32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < -0x8000_0000 || v > 0xffff_ffff) {
    throw new RangeError(`distillscope: ${name} must be a 32-bit integer, received ${v}`);
  }
  return v >>> 0;
}

function checkFormat(json: unknown, format: string): Record<string, unknown> {
  if (!isObject(json)) throw new TypeError(`distillscope: expected a ${format} object, received ${json === null ? 'null' : typeof json}`);
  if (json.format !== format || json.version !== FORMAT_VERSION) {
    throw new RangeError(`distillscope: expected ${format} v${FORMAT_VERSION}, received ${String(json.format)} v${String(json.version)}`);
  }
  return json;
}

function sameCapacity(what: string, a: number, b: number): void {
  if (a !== b) throw new RangeError(`distillscope: cannot merge ${what} sketches of different capacity (${a} and ${b})`);
}

/**
 * Binary-heap repairs over parallel arrays: `above(i, j)` says slot i belongs above slot j and
 * `swap` exchanges two slots in every array the heap spans.
 */
type Above = (i: number, j: number) => boolean;
type Swap = (i: number, j: number) => void;

/** Largest `SpaceSaving` capacity that finds keys by scanning (measured on the scorer's 24-counter summaries). */
const LINEAR_FIND_MAX = 64;

function siftUp(i: number, above: Above, swap: Swap): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!above(i, parent)) return;
    swap(i, parent);
    i = parent;
  }
}

function siftDown(i: number, n: number, above: Above, swap: Swap): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let top = i;
    if (l < n && above(l, top)) top = l;
    if (r < n && above(r, top)) top = r;
    if (top === i) return;
    swap(i, top);
    i = top;
  }
}

/** JSON shape of a {@link HyperLogLog}: registers as base64 bytes. */
export interface HyperLogLogJSON {
  format: typeof HLL_FORMAT;
  version: typeof FORMAT_VERSION;
  precision: number;
  registers: string;
}

/**
 * Distinct count in 2^precision bytes (4 KiB at the default precision 12, standard error
 * 1.04/√4096 ≈ 1.6%). Feed it 32-bit hashes of the values to count; it re-mixes them first, so
 * FNV hashes of near-identical strings (which differ mostly in low bits) still spread evenly.
 * Small counts use linear counting (the standard small-range correction), counts near 2^32 the
 * large-range one. Merging takes the register-wise maximum, so a merged sketch is identical to one
 * built from the union.
 *
 * Example:
 *   const hll = new HyperLogLog();
 *   for (let i = 0; i < 10_000; i++) hll.add(hashString(`user-${i}`));
 *   hll.add(hashString('user-0')); // repeats do not count
 *   hll.count(); // → about 10 000 (within a few percent)
 */
export class HyperLogLog {
  readonly precision: number;
  readonly #registers: Uint8Array;

  constructor(precision = 12) {
    if (!Number.isInteger(precision) || precision < MIN_PRECISION || precision > MAX_PRECISION) {
      throw new RangeError(`distillscope: HyperLogLog precision must be an integer from ${MIN_PRECISION} to ${MAX_PRECISION}, received ${precision}`);
    }
    this.precision = precision;
    this.#registers = new Uint8Array(1 << precision);
  }

  /** Record one hashed value. */
  add(hash32: number): void {
    const h = mix32(uint32('HyperLogLog hash', hash32));
    const p = this.precision;
    const index = h >>> (32 - p);
    // The sentinel bit caps the run of zeros at 32 − p, the most the remaining bits can show.
    const rank = Math.clz32((h << p) | (1 << (p - 1))) + 1;
    if (rank > (this.#registers[index] as number)) this.#registers[index] = rank;
  }

  /** Estimated number of distinct values added. */
  count(): number {
    const regs = this.#registers;
    const m = regs.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = regs[i] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    let estimate = (alpha * m * m) / sum;
    if (estimate <= 2.5 * m && zeros > 0) estimate = m * Math.log(m / zeros);
    else if (estimate > TWO_32 / 30) estimate = -TWO_32 * Math.log(1 - estimate / TWO_32);
    return Math.round(estimate);
  }

  /** Fold `other` into this sketch (same precision); afterwards this counts the union. */
  merge(other: HyperLogLog): this {
    if (other.precision !== this.precision) {
      throw new RangeError(`distillscope: cannot merge HyperLogLog sketches of precision ${this.precision} and ${other.precision}`);
    }
    const mine = this.#registers;
    const theirs = other.#registers;
    for (let i = 0; i < mine.length; i++) if ((theirs[i] as number) > (mine[i] as number)) mine[i] = theirs[i] as number;
    return this;
  }

  toJSON(): HyperLogLogJSON {
    return { format: HLL_FORMAT, version: FORMAT_VERSION, precision: this.precision, registers: Buffer.from(this.#registers).toString('base64') };
  }

  /** Rebuild a sketch from {@link HyperLogLog.toJSON} output, checking every field. */
  static fromJSON(json: unknown): HyperLogLog {
    const j = checkFormat(json, HLL_FORMAT);
    const hll = new HyperLogLog(j.precision as number);
    if (typeof j.registers !== 'string') throw new TypeError('distillscope: HyperLogLog registers must be a base64 string');
    const bytes = Buffer.from(j.registers, 'base64');
    const regs = hll.#registers;
    const maxRank = 33 - hll.precision;
    if (bytes.length !== regs.length || bytes.some((r) => r > maxRank)) {
      throw new RangeError(`distillscope: HyperLogLog registers must be ${regs.length} bytes of at most ${maxRank}`);
    }
    regs.set(bytes);
    return hll;
  }
}

/** One tracked key: `count` overestimates the key's true weight by at most `error`. */
export interface Counter<K> {
  key: K;
  count: number;
  error: number;
}

/** JSON shape of a {@link SpaceSaving} summary. */
export interface SpaceSavingJSON<K> {
  format: typeof SPACE_SAVING_FORMAT;
  version: typeof FORMAT_VERSION;
  capacity: number;
  total: number;
  counters: Array<Counter<K>>;
}

function checkWeight(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`distillscope: SpaceSaving weights must be finite numbers ≥ 0, received ${String(v)}`);
  }
  return v;
}

function checkKey(key: unknown): void {
  if (typeof key !== 'string' && !(typeof key === 'number' && Number.isFinite(key))) {
    throw new TypeError(`distillscope: SpaceSaving keys must be strings or finite numbers, received ${String(key)}`);
  }
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : 0;
}

/**
 * The one order counters are ranked in: heavier count first, then smaller error (more weight
 * certainly seen), then key. Negative when a ranks above b. Being total, it makes eviction and
 * `top` independent of heap layout, so a summary rebuilt from JSON behaves exactly like the original.
 */
function rank<K extends string | number>(countA: number, errorA: number, keyA: K, countB: number, errorB: number, keyB: K): number {
  return countB - countA || errorA - errorB || compareKeys(keyA, keyB);
}

function byWeight<K extends string | number>(a: Counter<K>, b: Counter<K>): number {
  return rank(a.count, a.error, a.key, b.count, b.error, b.key);
}

/**
 * Heavy hitters in bounded space (Metwally et al.'s Space-Saving): at most `capacity` counters
 * (default 64). Every key whose weight exceeds total/capacity is kept, and each kept key's `count`
 * is at most `error` above its true weight. A new key evicts the lowest counter (on equal counts the
 * one with the larger error, then the larger key) and inherits its count as error. Merging follows
 * the mergeable-summaries construction: a key missing from a full summary is charged that
 * summary's minimum (the most weight it can have had there), then the `capacity` heaviest counters
 * are kept; the guarantees hold for the combined stream.
 *
 * Example:
 *   const ss = new SpaceSaving<string>(2);
 *   for (const k of ['a', 'b', 'a', 'c', 'a']) ss.add(k);
 *   ss.top(2); // → [{ key: 'a', count: 3, error: 0 }, { key: 'c', count: 2, error: 1 }]
 *   ss.total;  // → 5
 */
export class SpaceSaving<K extends string | number> {
  readonly capacity: number;
  #total = 0;
  // A min-heap in rank order, as parallel arrays, with each key's heap slot.
  #keys: K[] = [];
  #counts: number[] = [];
  #errors: number[] = [];
  /**
   * Each key's heap slot, for large summaries only: up to `LINEAR_FIND_MAX` counters a scan of the
   * keys finds a key faster than a map does, and swaps then have no index to keep up to date.
   */
  readonly #slot: Map<K, number> | undefined;

  constructor(capacity = 64) {
    this.capacity = positiveInt('SpaceSaving capacity', capacity);
    this.#slot = this.capacity > LINEAR_FIND_MAX ? new Map<K, number>() : undefined;
  }

  /** Sum of all weights added. */
  get total(): number {
    return this.#total;
  }

  /** Number of keys tracked (at most `capacity`). */
  get size(): number {
    return this.#keys.length;
  }

  /** Add `weight` (finite, ≥ 0; default 1) to `key`. */
  add(key: K, weight = 1): void {
    checkKey(key);
    checkWeight(weight);
    if (weight === 0) return;
    this.#total += weight;
    const at = this.#find(key);
    if (at >= 0) {
      this.#counts[at] = (this.#counts[at] as number) + weight;
      this.#siftDown(at);
    } else if (this.#keys.length < this.capacity) {
      this.#keys.push(key);
      this.#counts.push(weight);
      this.#errors.push(0);
      this.#slot?.set(key, this.#keys.length - 1);
      this.#siftUp(this.#keys.length - 1);
    } else {
      const floor = this.#counts[0] as number;
      this.#slot?.delete(this.#keys[0] as K);
      this.#keys[0] = key;
      this.#counts[0] = floor + weight;
      this.#errors[0] = floor;
      this.#slot?.set(key, 0);
      this.#siftDown(0);
    }
  }

  /** The `k` heaviest counters (default: all), heaviest first. */
  top(k: number = this.capacity): Array<Counter<K>> {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`distillscope: top(k) needs an integer k ≥ 0, received ${k}`);
    return this.#counters().sort(byWeight).slice(0, k);
  }

  /** Fold `other` (same capacity) into this summary; afterwards it summarizes both streams. */
  merge(other: SpaceSaving<K>): this {
    sameCapacity('SpaceSaving', this.capacity, other.capacity);
    const floorMine = this.#floor();
    const floorTheirs = other.#floor();
    const merged = new Map<K, Counter<K>>();
    for (const c of this.#counters()) {
      const at = other.#find(c.key);
      const count = at < 0 ? floorTheirs : (other.#counts[at] as number);
      const error = at < 0 ? floorTheirs : (other.#errors[at] as number);
      merged.set(c.key, { key: c.key, count: c.count + count, error: c.error + error });
    }
    for (const c of other.#counters()) {
      if (!merged.has(c.key)) merged.set(c.key, { key: c.key, count: c.count + floorMine, error: c.error + floorMine });
    }
    const kept = [...merged.values()].sort(byWeight).slice(0, this.capacity);
    this.#total += other.#total;
    this.#load(kept);
    return this;
  }

  toJSON(): SpaceSavingJSON<K> {
    return { format: SPACE_SAVING_FORMAT, version: FORMAT_VERSION, capacity: this.capacity, total: this.#total, counters: this.top() };
  }

  /** Rebuild a summary from {@link SpaceSaving.toJSON} output, checking every field. */
  static fromJSON<K extends string | number>(json: unknown): SpaceSaving<K> {
    const j = checkFormat(json, SPACE_SAVING_FORMAT);
    const ss = new SpaceSaving<K>(j.capacity as number);
    ss.#total = checkWeight(j.total);
    if (!Array.isArray(j.counters) || j.counters.length > ss.capacity) {
      throw new RangeError(`distillscope: SpaceSaving counters must be an array of at most ${ss.capacity} entries`);
    }
    const counters: Array<Counter<K>> = [];
    const seen = new Set<unknown>();
    for (const c of j.counters as unknown[]) {
      if (!isObject(c)) throw new TypeError('distillscope: each SpaceSaving counter must be an object { key, count, error }');
      checkKey(c.key);
      const count = checkWeight(c.count);
      const error = checkWeight(c.error);
      if (error > count || seen.has(c.key)) throw new RangeError(`distillscope: SpaceSaving counter for ${String(c.key)} is repeated or has error > count`);
      seen.add(c.key);
      counters.push({ key: c.key as K, count, error });
    }
    ss.#load(counters);
    return ss;
  }

  /** Heap slot of a key, or −1. */
  #find(key: K): number {
    return this.#slot ? (this.#slot.get(key) ?? -1) : this.#keys.indexOf(key);
  }

  /** Most weight an untracked key can have had: the smallest count once full, else exactly 0. */
  #floor(): number {
    return this.#keys.length < this.capacity ? 0 : (this.#counts[0] as number);
  }

  #counters(): Array<Counter<K>> {
    return this.#keys.map((key, i) => ({ key, count: this.#counts[i] as number, error: this.#errors[i] as number }));
  }

  #load(counters: Array<Counter<K>>): void {
    this.#keys = counters.map((c) => c.key);
    this.#counts = counters.map((c) => c.count);
    this.#errors = counters.map((c) => c.error);
    if (this.#slot) {
      this.#slot.clear();
      this.#keys.forEach((key, i) => this.#slot?.set(key, i));
    }
    for (let i = (this.#keys.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  /** Min-heap order: the lowest-ranked counter sits at the root and is evicted first. */
  readonly #below = (i: number, j: number): boolean =>
    rank(this.#counts[i] as number, this.#errors[i] as number, this.#keys[i] as K, this.#counts[j] as number, this.#errors[j] as number, this.#keys[j] as K) > 0;

  readonly #swap = (i: number, j: number): void => {
    const keys = this.#keys;
    const counts = this.#counts;
    const errors = this.#errors;
    [keys[i], keys[j]] = [keys[j] as K, keys[i] as K];
    [counts[i], counts[j]] = [counts[j] as number, counts[i] as number];
    [errors[i], errors[j]] = [errors[j] as number, errors[i] as number];
    if (this.#slot) {
      this.#slot.set(keys[i] as K, i);
      this.#slot.set(keys[j] as K, j);
    }
  };

  #siftUp(i: number): void {
    siftUp(i, this.#below, this.#swap);
  }

  #siftDown(i: number): void {
    siftDown(i, this.#keys.length, this.#below, this.#swap);
  }
}

/**
 * The `capacity` items (default 256) with the smallest 32-bit keys. With random keys that is a
 * uniform sample without replacement; with keys that hash the item (e.g. `mix32(hashString(text))`)
 * repeats are kept once and samples of different batches are coordinated, so the same prompt is
 * sampled in every batch it appears in. A key already held is ignored (keys identify items). The
 * kept set depends only on the set of keys seen, so merging two sketches gives exactly the sketch
 * of the union. Signed 32-bit keys are read as their unsigned bit pattern.
 *
 * Example:
 *   const s = new BottomK<string>(2);
 *   s.add(30, 'c'); s.add(10, 'a'); s.add(20, 'b');
 *   s.items(); // → ['a', 'b']
 *   s.merge(new BottomK<string>(2).add(5, 'z')).items(); // → ['z', 'a']
 */
export class BottomK<T> {
  readonly capacity: number;
  // A max-heap on key, so the largest kept key is evicted first.
  readonly #keys: number[] = [];
  readonly #items: T[] = [];
  readonly #held = new Set<number>();

  constructor(capacity = 256) {
    this.capacity = positiveInt('BottomK capacity', capacity);
  }

  /** Number of items held (at most `capacity`). */
  get size(): number {
    return this.#keys.length;
  }

  /** Offer an item under its key; returns this, for chaining. */
  add(key: number, item: T): this {
    this.offer(key, item);
    return this;
  }

  /**
   * Offer an item under its key; returns the item it pushed out to make room, if any (so a caller
   * can reuse what that item held).
   */
  offer(key: number, item: T): T | undefined {
    const k = uint32('BottomK key', key);
    if (this.#held.has(k)) return undefined;
    const keys = this.#keys;
    if (keys.length < this.capacity) {
      keys.push(k);
      this.#items.push(item);
      this.#held.add(k);
      this.#siftUp(keys.length - 1);
    } else if (k < (keys[0] as number)) {
      const out = this.#items[0];
      this.#held.delete(keys[0] as number);
      keys[0] = k;
      this.#items[0] = item;
      this.#held.add(k);
      this.#siftDown(0);
      return out;
    }
    return undefined;
  }

  /** Whether `add(key, …)` would keep the item: lets a caller skip building an item that would be dropped. */
  admits(key: number): boolean {
    const k = uint32('BottomK key', key);
    if (this.#held.has(k)) return false;
    return this.#keys.length < this.capacity || k < (this.#keys[0] as number);
  }

  /** Keys below this bound are admitted now: the largest held key when full, 2^32 until then. */
  bound(): number {
    return this.#keys.length < this.capacity ? 2 ** 32 : (this.#keys[0] as number);
  }

  /** Held keys and items, by ascending key. */
  entries(): Array<{ key: number; item: T }> {
    return this.#keys.map((key, i) => ({ key, item: this.#items[i] as T })).sort((a, b) => a.key - b.key);
  }

  /** Held items, by ascending key. */
  items(): T[] {
    return this.entries().map((e) => e.item);
  }

  /** Fold `other` (same capacity) into this sketch; afterwards it is the sketch of the union. */
  merge(other: BottomK<T>): this {
    sameCapacity('BottomK', this.capacity, other.capacity);
    for (const { key, item } of other.entries()) this.add(key, item);
    return this;
  }

  readonly #above = (i: number, j: number): boolean => (this.#keys[i] as number) > (this.#keys[j] as number);

  readonly #swap = (i: number, j: number): void => {
    const keys = this.#keys;
    const items = this.#items;
    [keys[i], keys[j]] = [keys[j] as number, keys[i] as number];
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  };

  #siftUp(i: number): void {
    siftUp(i, this.#above, this.#swap);
  }

  #siftDown(i: number): void {
    siftDown(i, this.#keys.length, this.#above, this.#swap);
  }
}
