import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SimTruth } from '../../simulate/index.js';
import { trainCombiner } from '../../train/combiner.js';
import { inputFrom, taggerFromOptions } from '../common.js';
import { CliError } from '../errors.js';
import { log } from '../output.js';
import { scoreStream } from '../score-stream.js';
import { embedderFromSpec } from '../embedder.js';

/** `distillscope train-combiner TRAFFIC --out FILE`: fit the combiner on simulated traffic with `sim` truth. */
export async function runTrainCombiner(file: string, opts: { out: string; by: string; model?: string; embedder?: string }): Promise<void> {
  const tagger = taggerFromOptions({ ...(opts.model ? { model: opts.model } : {}), evidence: '0' });
  // Signals do not depend on the combiner; a neutral one is enough to read them.
  const neutral = {
    format: 'distillscope-combiner' as const,
    version: 1 as const,
    solo: { features: [], weights: [], bias: 0, levels: { medium: 0.5, high: 0.9 } },
    linked: { features: [], weights: [], bias: 0, levels: { medium: 0.5, high: 0.9 } },
    training: {},
    metrics: {},
  };
  const embedder = embedderFromSpec(opts.embedder)?.embedder;
  let scored;
  try {
    scored = await scoreStream(inputFrom(file), { by: opts.by, missing: '(none)', tagger, combiner: neutral, keepTruth: true, ...(embedder ? { embedder } : {}) });
  } finally {
    await embedder?.close();
  }
  const { batches, truth, lines } = scored;
  const y = batches.map((b) => {
    const t = truth.get(b.batch) as SimTruth | undefined;
    if (!t) throw new CliError('E_INPUT', `batch "${b.batch}" has no "sim" ground truth; train-combiner needs simulated traffic`);
    return t.campaign ? 1 : 0;
  });
  const model = trainCombiner(batches, y, { provenance: { traffic: file, lines } });
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(model, null, 2)}\n`);
  log(`train-combiner: ${batches.length} batches (${y.filter(Boolean).length} campaign) → ${opts.out}; in-sample ${JSON.stringify(model.metrics)}`);
  process.stdout.write(`${JSON.stringify({ out: opts.out, batches: batches.length, metrics: model.metrics })}\n`);
}
