import { describe, expect, it } from 'vitest';
import { createBatchScorer } from '../src/batch/index.js';
import { loadCombiner } from '../src/batch/combiner.js';
import { embedSamples, PARAPHRASE_COSINE, semanticSignals } from '../src/batch/semantic.js';
import type { Embedder } from '../src/embed/types.js';
import { createTagger } from '../src/tagger/index.js';
import { trainCombiner } from '../src/train/combiner.js';

const unit = (...xs: number[]): Float32Array => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

// A deterministic stand-in encoder: texts sharing a topic word land near each other.
const TOPICS = [/think|reason|step/i, /recipe|cook|bake/i, /trip|travel|visit/i, /poem|haiku|song/i];
const fake: Embedder = {
  id: 'fake-topics',
  dim: TOPICS.length + 1,
  async embed(texts) {
    return texts.map((t) => {
      // Small per-text jitter from the length, so ordinary prompts differ a little.
      const v = TOPICS.map((re) => (re.test(t) ? 1 : 0));
      return unit(...v, 0.3 + (t.length % 7) / 10);
    });
  },
};

const SCAFFOLDS = [
  'Think step by step and write out all your reasoning before the answer. Problem: ',
  'Reason carefully, one step at a time, showing every step. Question: ',
  'Show each step of your thinking, then answer. Task: ',
];
const MATH = ['What is 17 × 23?', 'Solve 3x + 5 = 20.', 'Is 221 prime?', 'How many days are in 7 weeks?', 'What is 15% of 240?', 'Simplify 84/126.', 'What is the next prime after 31?', 'Convert 3.5 hours to minutes.'];
const ORDINARY = ['Give me a recipe for lentil soup.', 'Plan a weekend trip to Porto.', 'Write a haiku about autumn leaves.', 'How do I fix a squeaky door?', 'Suggest a name for my goldfish.', 'What should I cook for six guests?', 'Ideas for a rainy afternoon with kids?', 'Write a short poem for a retirement card.'];

describe('semanticSignals', () => {
  it('measures cohesion and the share of prompts with a paraphrase in the sample', () => {
    const a = unit(1, 0.1, 0);
    const b = unit(1, 0.15, 0);
    const c = unit(0, 1, 0);
    const d = unit(0, 0, 1);
    const s = semanticSignals([a, b, c, d], 'test');
    expect(s.values.semantic_cluster_share).toBe(0.5);
    // Nearest neighbours: a↔b ≈ 0.9988, c → b ≈ 0.148, d → 0.
    expect(s.values.semantic_cohesion).toBeCloseTo((0.9988 * 2 + 0.1483 + 0) / 4, 3);
    expect(s.reasons.semantic_cluster_share).toMatch(/50% of 4 sampled prompts have a paraphrase/);
    expect(PARAPHRASE_COSINE).toBe(0.8);
  });

  it('gives no evidence from fewer than four prompts', () => {
    const s = semanticSignals([unit(1, 0), unit(1, 0)], 'test');
    expect(s.values).toEqual({ semantic_cohesion: 0, semantic_cluster_share: 0 });
    expect(s.reasons.semantic_cohesion).toMatch(/too few prompts sampled \(2\)/);
  });

  it('embeds every batch sample in shared chunks and keeps each batch apart', async () => {
    let calls = 0;
    const counting: Embedder = { ...fake, embed: async (t) => (calls++, fake.embed(t)) };
    const out = await embedSamples(new Map([['camp', MATH.map((m, i) => (SCAFFOLDS[i % 3] as string) + m)], ['user', ORDINARY]]), counting, 10);
    expect(calls).toBe(2);
    expect(out.get('camp')?.values.semantic_cluster_share).toBe(1);
    expect(out.get('user')?.values.semantic_cluster_share ?? 1).toBeLessThan(1);
    expect(out.get('camp')?.sampled).toBe(8);
  });
});

describe('the batch scorer with an embedder', () => {
  const tagger = createTagger({ evidence: 0 });

  it('samples texts per batch, adds semantic signals, and trains and applies semantic combiner heads', async () => {
    const scorer = createBatchScorer({ tagger, embedder: fake });
    // 12 paraphrased-scaffold campaign accounts and 12 ordinary ones.
    for (let a = 0; a < 12; a++) {
      MATH.forEach((m, i) => scorer.add({ text: (SCAFFOLDS[(i + a) % 3] as string) + m }, `camp-${a}`));
      ORDINARY.forEach((o, i) => scorer.add({ text: `${o}${' Thanks!'.repeat((i + a) % 3)}` }, `user-${a}`));
    }
    const plain = scorer.results();
    const batches = await scorer.resultsAsync();
    expect(plain.every((b) => b.semantic === undefined)).toBe(true);
    expect(batches).toHaveLength(24);
    for (const b of batches) expect(b.semantic?.sampled).toBe(8);
    const camp = batches.filter((b) => b.batch.startsWith('camp'));
    const user = batches.filter((b) => b.batch.startsWith('user'));
    expect(Math.min(...camp.map((b) => b.semantic?.values.semantic_cluster_share ?? 0))).toBeGreaterThan(Math.max(...user.map((b) => b.semantic?.values.semantic_cluster_share ?? 1)));
    // The shipped combiner has no heads for this encoder: scores stay the plain ones.
    expect(batches.map((b) => b.score)).toEqual(plain.map((b) => b.score));
    const truth = batches.map((b) => (b.batch.startsWith('camp') ? 1 : 0));
    const model = trainCombiner(batches, truth);
    expect(model.semantic?.['fake-topics']?.solo.features.slice(-2)).toEqual(['semantic_cohesion', 'semantic_cluster_share']);
    expect(model.solo.features).not.toContain('semantic_cohesion');
    const withHeads = createBatchScorer({ tagger, embedder: fake, combiner: model });
    MATH.forEach((m, i) => withHeads.add({ text: (SCAFFOLDS[i % 3] as string) + m }, 'camp-new'));
    const [scored] = await withHeads.resultsAsync();
    expect(scored?.semantic?.embedder).toBe('fake-topics');
    expect(scored?.score).toBeGreaterThan(0.5);
    expect(loadCombiner().semantic?.['fake-topics']).toBeUndefined();
  });
});
