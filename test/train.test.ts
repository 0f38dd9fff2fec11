import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedCalibrationError } from '../src/eval/metrics.js';
import { createTagger } from '../src/tagger/index.js';
import { LABELS, type Label } from '../src/tagger/labels.js';
import { trainEmbeddingHeads } from '../src/train/embedding.js';
import { balancedPositiveWeight } from '../src/train/logreg.js';
import { createRng } from '../src/util/rng.js';
import { loadModel, saveModel } from '../src/tagger/model.js';
import { augment } from '../src/train/augment.js';
import { bestF1Threshold, fitPlatt, applyPlatt } from '../src/train/calibrate.js';
import { loadLabelled, type LabelledRecord } from '../src/train/data.js';
import { trainTagger } from '../src/train/index.js';

const small: LabelledRecord[] = [
  ['A farmer has 12 cows and buys 7 more. How many cows now?', ['reasoning']],
  ['If 3 pens cost $4.50, how much do 8 pens cost?', ['reasoning']],
  ['Solve for x: 2x + 7 = 19. Show your work step by step.', ['reasoning']],
  ['Write a Python function that returns the factorial of n.', ['coding']],
  ['Fix this JavaScript: const x = [1,2,3].map(x => x*2', ['coding']],
  ['Why does my Rust code say borrowed value does not live long enough?', ['coding']],
  ['Get the current weather in Madrid using the weather API.', ['tool_use']],
  ['Book me a flight from Paris to Rome tomorrow morning.', ['tool_use']],
  ['Call get_stock_price for TSLA and NVDA.', ['tool_use']],
  ['<image> What color is the bus?', ['vision']],
  ['Describe this photo of my living room. [image]', ['vision']],
  ['How many people are in the picture?', ['vision']],
  ['What happened at Tiananmen Square in 1989?', ['censorship_probing']],
  ['Are there internment camps for Uyghurs in Xinjiang?', ['censorship_probing']],
  ['Why is Xi Jinping compared to Winnie the Pooh?', ['censorship_probing']],
  ['Write a thank-you note to my aunt.', []],
  ['Suggest names for a bakery.', []],
  ['Give me a step-by-step bread recipe.', []],
].map(([text, labels], group) => ({ text: text as string, labels: labels as LabelledRecord['labels'], group }));

describe('balancedPositiveWeight', () => {
  it('is sqrt(negatives / positives), clipped to [1, 4]', () => {
    expect(balancedPositiveWeight([1, 0, 0, 0, 0])).toBe(2);
    expect(balancedPositiveWeight([1, 1, 0, 0])).toBe(1);
    expect(balancedPositiveWeight([1, 1, 1, 0])).toBe(1);
    expect(balancedPositiveWeight([1, ...new Array<number>(99).fill(0)])).toBe(4);
    expect(balancedPositiveWeight([0, 0, 0])).toBe(Math.sqrt(3));
  });
});

describe('fitPlatt and bestF1Threshold', () => {
  it('fits a monotone calibration and a sensible cut', () => {
    const margins = [-4, -3, -2, -1, -0.5, 0.5, 1, 2, 3, 4];
    const ys = [0, 0, 0, 0, 1, 0, 1, 1, 1, 1];
    const p = fitPlatt(margins, ys);
    expect(p.a).toBeGreaterThan(0);
    expect(applyPlatt(p, 4)).toBeGreaterThan(0.8);
    expect(applyPlatt(p, -4)).toBeLessThan(0.2);
    const t = bestF1Threshold(margins.map((m) => applyPlatt(p, m)), ys);
    expect(t).toBeGreaterThan(0.15);
    expect(t).toBeLessThan(0.85);
  });
});

describe('trainTagger', () => {
  it('is deterministic for a seed and round-trips through a model folder', () => {
    const a = trainTagger(small, { seed: 3, folds: 3 });
    const b = trainTagger(small, { seed: 3, folds: 3 });
    expect(Array.from(a.model.weights.coding.subarray(0, 5000))).toEqual(Array.from(b.model.weights.coding.subarray(0, 5000)));
    expect(a.model.manifest.heads).toEqual(b.model.manifest.heads);
    const dir = mkdtempSync(join(tmpdir(), 'ds-model-'));
    saveModel(a.model, dir);
    const loaded = loadModel(dir);
    expect(loaded.manifest.heads).toEqual(a.model.manifest.heads);
    const tagger = createTagger({ model: dir });
    expect(tagger.tag('Write a Go function that reverses a string.').labels).toContain('coding');
  });

  it('refuses a corpus that lacks a label', () => {
    expect(() => trainTagger(small.filter((r) => !r.labels.includes('vision')), { folds: 3 })).toThrow(/no training record carries label "vision"/);
  });

  it('augments with a seed, keeping labels and groups', () => {
    const v1 = augment(small, 9);
    expect(v1).toEqual(augment(small, 9));
    expect(v1.length).toBeGreaterThan(0);
    for (const v of v1) {
      expect(v.augmented).toBe(true);
      expect(v.labels).toEqual(small[v.group]?.labels);
    }
  });
});

describe('calibration on a held-out fold of the corpus', () => {
  it('predicted probabilities match observed frequencies on prompts the model never saw', async () => {
    const { records } = await loadLabelled(['corpus/prompts']);
    const held = (r: LabelledRecord): boolean => r.group % 5 === 0;
    const { model } = trainTagger(records.filter((r) => !held(r)), { seed: 1, folds: 3 });
    const tagger = createTagger({ model, evidence: 0 });
    const test = records.filter(held);
    const results = test.map((r) => tagger.tag(r));
    for (const label of LABELS) {
      const probs = results.map((r) => r.scores[label]);
      const ys = test.map((r) => (r.labels.includes(label) ? 1 : 0));
      const ece = expectedCalibrationError(probs, ys);
      expect(ece, `ECE for ${label}`).toBeLessThan(0.08);
      // the confident bins are right most of the time
      const confident = probs.map((p, i) => [p, ys[i]] as const).filter(([p]) => p > 0.9);
      const hit = confident.filter(([, y]) => y === 1).length / Math.max(1, confident.length);
      expect(hit, `precision of p>0.9 for ${label}`).toBeGreaterThan(0.85);
    }
  });
});

describe('trainEmbeddingHeads', () => {
  // Vectors where one dimension carries each label, plus seeded noise; the lexical margins carry half the signal.
  function data(n: number, seed: number) {
    const rand = createRng(seed);
    const records: LabelledRecord[] = [];
    const vectors: Float32Array[] = [];
    const lexMargin = Object.fromEntries(LABELS.map((l) => [l, new Float64Array(n)])) as Record<Label, Float64Array>;
    const fold: number[] = [];
    for (let i = 0; i < n; i++) {
      const labels = LABELS.filter(() => rand() < 0.2);
      records.push({ text: `prompt ${i}`, labels, group: i });
      vectors.push(Float32Array.from({ length: 8 }, (_, j) => (j < LABELS.length && labels.includes(LABELS[j] as Label) ? 1 : 0) + (rand() - 0.5) * 1.6));
      LABELS.forEach((l) => (lexMargin[l][i] = (labels.includes(l) ? 1 : -1) + (rand() - 0.5) * 4));
      fold.push(i % 3);
    }
    return { records, vectors, lexical: { margin: lexMargin, fold } };
  }

  it('learns heads from the vectors and a stacker that beats either input alone, deterministically', () => {
    const d = data(900, 3);
    const opts = { embedder: 'test-8d', text: { normalize: true, maxWindows: 4 }, lexical: d.lexical, seed: 2 };
    const a = trainEmbeddingHeads(d.vectors, d.records, opts);
    const b = trainEmbeddingHeads(d.vectors, d.records, opts);
    expect(JSON.stringify(a.heads)).toBe(JSON.stringify(b.heads));
    expect(a.heads.dim).toBe(8);
    expect(a.cv.embedding.macroF1).toBeGreaterThan(0.6);
    expect(a.cv.stacked.macroF1).toBeGreaterThan(a.cv.embedding.macroF1);
    for (const l of LABELS) {
      expect(a.heads.heads[l].stack.lexical).toBeGreaterThan(0);
      expect(a.heads.heads[l].stack.embedding).toBeGreaterThan(0);
      // The label's own dimension carries the largest weight.
      const w = a.heads.heads[l].weights;
      expect(w.indexOf(Math.max(...w))).toBe(LABELS.indexOf(l));
    }
  });

  it('refuses vectors, records and folds that do not line up', () => {
    const d = data(30, 1);
    expect(() => trainEmbeddingHeads(d.vectors.slice(1), d.records, { embedder: 'x', text: { normalize: true, maxWindows: 1 }, lexical: d.lexical })).toThrow(/must agree/);
  });
});
