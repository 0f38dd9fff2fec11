import type { Embedder } from '../embed/types.js';
import { pct, round4 } from '../util/round.js';

/** The semantic signals: how close in meaning a batch's sampled prompts sit to each other. */
export const SEMANTIC_SIGNAL_NAMES = Object.freeze(['semantic_cohesion', 'semantic_cluster_share'] as const);
export type SemanticName = (typeof SEMANTIC_SIGNAL_NAMES)[number];

/** A batch's semantic signals, each in [0, 1] with a reason. */
export interface SemanticSignals {
  values: Record<SemanticName, number>;
  reasons: Record<SemanticName, string>;
  /** Prompts the signals were computed from (the batch's bounded text sample). */
  sampled: number;
  embedder: string;
}

/** Cosine at or above which two prompts count as paraphrases of each other. */
export const PARAPHRASE_COSINE = 0.8;
/** Fewer sampled prompts than this give no semantic evidence (both signals 0). */
const MIN_SAMPLE = 4;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Semantic signals of one batch from the vectors of its sampled prompts (all pairs of a bounded
 * sample: at most k² cosines, so cost does not grow with the batch):
 * - semantic_cohesion: mean over the sample of each prompt's highest cosine to another sampled prompt
 *   (0 below zero); campaign traffic re-asks one scaffold in many wordings, ordinary traffic wanders;
 * - semantic_cluster_share: share of sampled prompts with a paraphrase in the sample (cosine ≥ 0.8),
 *   which stays high for a paraphrased scaffold that defeats MinHash and templates.
 *
 * Example:
 *   semanticSignals([v1, v2, v3, v4], 'use-lite').values.semantic_cluster_share // → 0.75
 */
export function semanticSignals(vectors: readonly Float32Array[], embedder: string): SemanticSignals {
  const k = vectors.length;
  if (k < MIN_SAMPLE) {
    const reason = `too few prompts sampled (${k}) to judge meaning`;
    return { values: { semantic_cohesion: 0, semantic_cluster_share: 0 }, reasons: { semantic_cohesion: reason, semantic_cluster_share: reason }, sampled: k, embedder };
  }
  const nearest = new Array<number>(k).fill(-1);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const c = cosine(vectors[i] as Float32Array, vectors[j] as Float32Array);
      if (c > (nearest[i] as number)) nearest[i] = c;
      if (c > (nearest[j] as number)) nearest[j] = c;
    }
  }
  const cohesion = nearest.reduce((s, c) => s + Math.max(0, c), 0) / k;
  const share = nearest.filter((c) => c >= PARAPHRASE_COSINE).length / k;
  return {
    values: { semantic_cohesion: round4(cohesion), semantic_cluster_share: round4(share) },
    reasons: {
      semantic_cohesion: `sampled prompts sit close in meaning (mean nearest-neighbour cosine ${cohesion.toFixed(2)} over ${k}, ${embedder})`,
      semantic_cluster_share: `${pct(share)} of ${k} sampled prompts have a paraphrase in the batch (cosine ≥ ${PARAPHRASE_COSINE}, ${embedder})`,
    },
    sampled: k,
    embedder,
  };
}

/**
 * Embed each batch's text sample (all batches' texts in chunks, so the encoder sees full batches)
 * and compute its semantic signals.
 */
export async function embedSamples(samples: ReadonlyMap<string, readonly string[]>, embedder: Embedder, chunk = 512): Promise<Map<string, SemanticSignals>> {
  const names = [...samples.keys()];
  const flat: string[] = [];
  const spans = names.map((name) => {
    const texts = samples.get(name) as readonly string[];
    const start = flat.length;
    flat.push(...texts);
    return { name, start, end: flat.length };
  });
  const vectors: Float32Array[] = [];
  for (let i = 0; i < flat.length; i += chunk) vectors.push(...(await embedder.embed(flat.slice(i, i + chunk))));
  return new Map(spans.map(({ name, start, end }) => [name, semanticSignals(vectors.slice(start, end), embedder.id)]));
}
