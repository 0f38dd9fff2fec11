import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_KINDS, simulateTraffic, VARIANTS, type ScaffoldSet, type SimRecord } from '../src/simulate/index.js';
import { ROOT } from './helpers.js';

const scaffolds = JSON.parse(readFileSync(join(ROOT, 'corpus/traffic/scaffolds.train.json'), 'utf8')) as ScaffoldSet;
const pool = [
  ...['What is 12 × 13?', 'A train goes 80 km/h for 2 h. How far?', 'Is 97 prime?', 'Solve x + 4 = 9.'].map((text) => ({ text, labels: ['reasoning'] })),
  ...['Write a Python function to sort a list.', 'Fix: TypeError in JS map call', 'SQL to count users by country'].map((text) => ({ text, labels: ['coding'] })),
  ...['Book a table for 2 at 8pm.', 'What is the weather in Oslo now?'].map((text) => ({ text, labels: ['tool_use'] })),
  ...['What colour is the car in the photo?', '<image> What does the sign say?'].map((text) => ({ text, labels: ['vision'] })),
  ...['What happened at Tiananmen in 1989?', 'Are there camps in Xinjiang?'].map((text) => ({ text, labels: ['censorship_probing'] })),
  ...['Write a poem about rain.', 'Plan a picnic.', 'Name ideas for a bakery.'].map((text) => ({ text, labels: [] })),
];

describe('simulateTraffic', () => {
  const recs: SimRecord[] = [...simulateTraffic({ seed: 3, pool, scaffolds, scale: 0.1, volume: 0.1 })];

  it('is deterministic for a seed', () => {
    const again = [...simulateTraffic({ seed: 3, pool, scaffolds, scale: 0.1, volume: 0.1 })];
    expect(again).toEqual(recs);
    const other = [...simulateTraffic({ seed: 4, pool, scaffolds, scale: 0.1, volume: 0.1 })];
    expect(other).not.toEqual(recs);
  });

  it('covers every campaign kind and variant, with campaigns spread over several accounts', () => {
    const campaigns = new Map<string, Set<string>>();
    for (const r of recs) if (r.sim.campaign) (campaigns.get(r.sim.campaign) ?? campaigns.set(r.sim.campaign, new Set()).get(r.sim.campaign))?.add(r.account);
    const kinds = new Set(recs.filter((r) => r.sim.campaign).map((r) => `${r.sim.kind}/${r.sim.variant}`));
    for (const k of CAMPAIGN_KINDS) for (const v of VARIANTS) expect(kinds.has(`${k}/${v}`), `${k}/${v}`).toBe(true);
    for (const accounts of campaigns.values()) expect(accounts.size).toBeGreaterThanOrEqual(4);
    const tiny = recs.filter((r) => r.sim.variant === 'tiny');
    const perTiny = new Map<string, number>();
    for (const r of tiny) perTiny.set(r.account, (perTiny.get(r.account) ?? 0) + 1);
    for (const n of perTiny.values()) expect(n).toBeLessThanOrEqual(30);
    expect(new Set(tiny.map((r) => r.sim.campaign)).size).toBe(CAMPAIGN_KINDS.length);
  });

  it('fills every placeholder and builds agentic records as chat with tools', () => {
    for (const r of recs) {
      const text = r.text ?? JSON.stringify(r.messages);
      expect(text).not.toMatch(/\{(prompt|answer|answer_b|question_id)\}/);
    }
    const agent = recs.find((r) => r.sim.kind === 'agentic_tool');
    expect(agent?.messages?.length).toBe(2);
    expect(agent?.tools?.length).toBeGreaterThan(0);
    const kinds = new Set(recs.filter((r) => !r.sim.campaign).map((r) => r.sim.kind));
    expect([...kinds].sort()).toEqual(['mixed_user', 'power_coder', 'product_wrapper', 'student', 'support_bot']);
  });

  it('refuses a pool that lacks a label', () => {
    expect(() => [...simulateTraffic({ seed: 1, pool: pool.filter((p) => !p.labels.includes('vision')), scaffolds })]).toThrow(/labelled "vision"/);
  });
});
