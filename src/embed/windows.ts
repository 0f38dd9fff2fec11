/**
 * Cut token ids into the fewest windows of at most `max` ids, all of near-equal length, so no
 * window is a short tail that would weigh as much as a full one in the mean. Past `limit` windows,
 * take `limit` full windows spread evenly from the first token to the last, so one huge text costs
 * a bounded time. No ids give one empty window.
 *
 * Example:
 *   splitWindows([1, 2, 3, 4, 5], 3, 8)    // → [[1, 2], [3, 4, 5]]
 *   splitWindows([1, 2, 3, 4, 5, 6], 2, 2) // → [[1, 2], [5, 6]]
 * @internal
 */
export function splitWindows(ids: readonly number[], max: number, limit: number): number[][] {
  const n = ids.length;
  const count = Math.max(1, Math.ceil(n / max));
  const windows: number[][] = [];
  if (count <= limit) {
    for (let w = 0; w < count; w++) windows.push(ids.slice(Math.floor((w * n) / count), Math.floor(((w + 1) * n) / count)));
  } else {
    for (let w = 0; w < limit; w++) {
      const start = limit === 1 ? 0 : Math.round((w * (n - max)) / (limit - 1));
      windows.push(ids.slice(start, start + max));
    }
  }
  return windows;
}

/**
 * Mean of equal-length vectors, scaled to unit length (a zero mean stays zero).
 *
 * Example:
 *   meanUnit([Float32Array.of(1, 0), Float32Array.of(0, 1)]) // → Float32Array [0.7071, 0.7071]
 * @internal
 */
export function meanUnit(vectors: readonly Float32Array[]): Float32Array {
  const dim = vectors[0]?.length ?? 0;
  const mean = new Float32Array(dim);
  for (const v of vectors) for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (v[d] as number);
  return unit(mean);
}

/**
 * Scale a vector to unit length in place and return it (a zero vector stays zero).
 *
 * Example:
 *   unit(Float32Array.of(3, 4)) // → Float32Array [0.6, 0.8]
 * @internal
 */
export function unit(v: Float32Array): Float32Array {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += (v[d] as number) ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d] = (v[d] as number) / norm;
  return v;
}
