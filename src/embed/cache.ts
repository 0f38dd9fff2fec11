/**
 * A least-recently-used map of bounded size, for vectors keyed by their exact text. Size 0 keeps
 * nothing.
 *
 * Example:
 *   const cache = new LruCache<string, number>(2);
 *   cache.set('a', 1); cache.set('b', 2); cache.get('a'); cache.set('c', 3);
 *   [cache.get('a'), cache.get('b'), cache.get('c')] // → [1, undefined, 3]
 * @internal
 */
export class LruCache<K, V> {
  // A Map iterates in insertion order: re-inserting on use keeps the oldest entry first.
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`distillscope: cache size must be a whole number ≥ 0, got ${capacity}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Counters an embedder keeps: texts asked for, and those answered without running the model. @internal */
export interface EmbedCounters {
  texts: number;
  cacheHits: number;
}

/**
 * The shared body of `embed`: check the input, answer cached texts from the cache, embed each
 * distinct missing text once (`compute`), cache it, and return copies (callers may write to their
 * vectors without touching the cache). @internal
 */
export async function embedCached(
  texts: readonly unknown[],
  cache: LruCache<string, Float32Array>,
  counters: EmbedCounters,
  compute: (missing: string[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  if (!Array.isArray(texts)) throw new TypeError(`distillscope: embed takes an array of strings, got ${typeof texts}`);
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw new TypeError(`distillscope: embed takes an array of strings; item ${i} is ${typeof t}`);
  });
  const strings = texts as readonly string[];
  counters.texts += strings.length;
  const found = strings.map((t) => cache.get(t));
  const missing = [...new Set(strings.filter((_, i) => found[i] === undefined))];
  counters.cacheHits += strings.length - missing.length;
  const computed = new Map<string, Float32Array>();
  if (missing.length > 0) {
    const vectors = await compute(missing);
    missing.forEach((t, i) => {
      const v = vectors[i] as Float32Array;
      computed.set(t, v);
      cache.set(t, v);
    });
  }
  return strings.map((t, i) => (found[i] ?? (computed.get(t) as Float32Array)).slice());
}
