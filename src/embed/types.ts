/**
 * A sentence encoder: turns texts into fixed-length vectors whose cosine similarity says how close
 * two texts are in meaning. The tagger and the batch scorer take one as an argument, so tests can
 * pass a small fake and users can pass any encoder they trust.
 *
 * Implementations return one vector of length `dim` per input text, in input order, and must give
 * the same vector for the same text.
 *
 * Example:
 *   const embedder: Embedder = createUseLiteEmbedder();
 *   const [a, b] = await embedder.embed(['How do I sort a list?', 'Sort this array for me']);
 *   a.length // → 512
 *   embedder.id // → 'use-lite'
 */
export interface Embedder {
  /** Stable name of the encoder, recorded with anything computed from its vectors. */
  readonly id: string;
  /** Length of every vector `embed` returns. */
  readonly dim: number;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
