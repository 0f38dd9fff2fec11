import { join } from 'node:path';
import { saveModel } from '../../tagger/model.js';
import { augment } from '../../train/augment.js';
import { loadLabelled } from '../../train/data.js';
import { trainTagger } from '../../train/index.js';
import { formatReport } from '../../eval/metrics.js';
import { intOption } from '../common.js';
import { CliError } from '../errors.js';
import { log } from '../output.js';

export interface TrainCliOptions {
  out: string;
  seed: string;
  folds: string;
  augment?: boolean;
}

/** `distillscope train CORPUS... --out DIR`. */
export async function runTrain(corpus: string[], opts: TrainCliOptions): Promise<void> {
  const seed = intOption('seed', opts.seed);
  const folds = intOption('folds', opts.folds, 2);
  let loaded;
  try {
    loaded = await loadLabelled(corpus);
  } catch (err) {
    throw new CliError('E_INPUT', (err as Error).message);
  }
  for (const e of loaded.errors) log(`train: ${e.file}:${e.line}: ${e.error}`);
  if (loaded.errors.length) throw new CliError('E_INPUT', `${loaded.errors.length} corpus lines could not be read; fix them first`);
  const extra = opts.augment ? augment(loaded.records, seed) : [];
  log(`train: ${loaded.records.length} records from ${loaded.files.length} files, ${extra.length} augmented`);
  const started = Date.now();
  const { model, cv } = trainTagger([...loaded.records, ...extra], {
    seed,
    folds,
    provenance: {
      corpusFiles: loaded.files.map((f) => f.split('/').slice(-2).join('/')),
      corpusSha256: loaded.hash,
      augmentation: opts.augment ? 'seeded variants (src/train/augment.ts)' : 'none',
    },
    log: (m) => log(`train: ${m}`),
  });
  saveModel(model, opts.out);
  log(`train: wrote ${join(opts.out, 'manifest.json')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  log(formatReport(cv, 'cross-validated (held-out folds of the training corpus)'));
  process.stdout.write(`${JSON.stringify({ out: opts.out, records: loaded.records.length, augmented: extra.length, metrics: model.manifest.metrics })}\n`);
}
