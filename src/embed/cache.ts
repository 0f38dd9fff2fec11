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
