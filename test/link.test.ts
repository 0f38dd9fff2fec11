import { describe, expect, it } from 'vitest';
import type { BatchScore } from '../src/batch/index.js';
import { clusterBatches, linkBatches } from '../src/campaign/link.js';

const batch = (name: string, fingerprints: string[], score = 0.5): BatchScore => ({
  batch: name,
  n: 20,
  score,
  level: 'low',
  signals: {
    near_duplicate: 0.5, exact_duplicate: 0, template_concentration: 0.8, scaffold_share: 0.8, system_prompt_share: 0, capability_focus: 0.6, templated_capability_share: 0.8, templated_marker_share: 0.8,
    high_value_share: 0.9, reasoning_trace_share: 0.9, grading_share: 0, censorship_rewrite_share: 0, timing_regularity: 0, volume: 0.3,
  },
  reasons: [],
  templates: [],
  fingerprints,
});

describe('linkBatches', () => {
  it('clusters batches sharing fingerprints, transitively, and leaves the rest alone', () => {
    const batches = [
      batch('a1', ['t:1', 'p:9']),
      batch('a2', ['t:1']),
      batch('a3', ['p:9', 's:4']),
      batch('b1', ['t:2']),
      batch('b2', ['t:2', 'y:7']),
      batch('lonely', ['t:3']),
      batch('nothing', []),
    ];
    const { campaigns, batches: out } = linkBatches(batches);
    expect(campaigns.map((c) => c.batches)).toEqual([['a1', 'a2', 'a3'], ['b1', 'b2']]);
    expect(campaigns[0]?.shared).toEqual(['p:9', 't:1']);
    const of = Object.fromEntries(out.map((b) => [b.batch, b.campaign]));
    expect(of.a1).toBe(of.a3);
    expect(of.a1).not.toBe(of.b1);
    expect(of.lonely).toBeUndefined();
    expect(of.nothing).toBeUndefined();
  });

  it('ignores fingerprints held by too many batches', () => {
    const many = Array.from({ length: 30 }, (_, i) => batch(`u${i}`, ['t:common']));
    expect(clusterBatches(many, 10).campaigns).toEqual([]);
    expect(clusterBatches(many, 50).campaigns).toHaveLength(1);
  });

  it('gives linked batches campaign evidence that raises a thin campaign’s scores', () => {
    const thin = Array.from({ length: 40 }, (_, i) => batch(`tiny${i}`, ['t:scaffold'], i === 0 ? 0.95 : 0.3));
    const { evidence } = clusterBatches(thin);
    expect(evidence[1]).toEqual({ peers: 39, peerScore: 0.95 });
    expect(evidence[0]).toEqual({ peers: 39, peerScore: 0.3 });
    const linked = linkBatches(thin).batches;
    const alone = linkBatches([batch('solo', ['t:x'], 0.3)]).batches[0];
    expect((linked[5]?.score ?? 0) > (alone?.score ?? 1)).toBe(true);
    expect(linked[5]?.reasons.join(' ')).toMatch(/other batches/);
  });

  it('leaves a batch without peers as it was: no peers is no evidence either way', () => {
    const lone = { ...batch('lone', ['t:only-mine'], 0.7), level: 'medium' as const, reasons: ['its own reason'] };
    const [out] = linkBatches([lone]).batches;
    expect(out).toEqual(lone);
  });

  it('costs no pairwise comparisons: 20,000 batches link quickly', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => batch(`x${i}`, [`t:${i % 5000}`, `p:${i}`]));
    const t0 = performance.now();
    const { campaigns } = linkBatches(many);
    expect(campaigns).toHaveLength(5000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
