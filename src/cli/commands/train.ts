import { join } from 'node:path';
import { saveModel } from '../../tagger/model.js';
import { augment } from '../../train/augment.js';
import { loadLabelled } from '../../train/data.js';
import { trainTagger, type TrainResult } from '../../train/index.js';
import { trainEmbeddingHeads } from '../../train/embedding.js';
import type { LabelledRecord } from '../../train/data.js';
import { toPromptRecord } from '../../io/record.js';
import { prepare } from '../../tagger/embedded.js';
import { saveEmbeddingHeads } from '../../tagger/embedding-model.js';
import { embedderFromSpec, TAGGING_MAX_WINDOWS, type EmbedderChoice } from '../embedder.js';
import { Progress } from '../progress.js';
import { formatReport } from '../../eval/metrics.js';
import { intOption } from '../common.js';
import { CliError } from '../errors.js';
import { log } from '../output.js';

export interface TrainCliOptions {
  out: string;
  seed: string;
  folds: string;
  augment?: boolean;
  embedder?: string;
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
  const choice = embedderFromSpec(opts.embedder);
  const all = [...loaded.records, ...extra];
  const { model, cv, oof } = trainTagger(all, {
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
  let embedding: Record<string, unknown> | undefined;
  if (choice) {
    try {
      embedding = await trainHeadsOn(choice, all, oof, seed, opts.out, { corpusSha256: loaded.hash });
    } finally {
      await choice.embedder.close();
    }
  }
  process.stdout.write(`${JSON.stringify({ out: opts.out, records: loaded.records.length, augmented: extra.length, metrics: model.manifest.metrics, ...(embedding ? { embedding } : {}) })}\n`);
}

/** `train --embedder`: embed every record, train the embedding heads and their stackers, write them next to the model. */
async function trainHeadsOn(
  choice: EmbedderChoice,
  records: LabelledRecord[],
  oof: TrainResult['oof'],
  seed: number,
  out: string,
  provenance: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  // USE-lite was trained on English: stacked tagging keeps the lexical tag for other languages (measured on dev: Chinese rows 0.824 lexical vs 0.792 stacked).
  const text = { normalize: true, maxWindows: TAGGING_MAX_WINDOWS, ...(choice.embedder.id === 'use-lite' ? { languages: ['en'] } : {}) };
  const started = Date.now();
  const vectors: Float32Array[] = [];
  const progress = new Progress('train: embedding', {});
  for (let i = 0; i < records.length; i += 256) {
    const batch = records.slice(i, i + 256).map((r) => prepare(toPromptRecord(r), { text }));
    vectors.push(...(await choice.embedder.embed(batch)));
    progress.update(vectors.length);
  }
  progress.done();
  log(`train: embedded ${vectors.length} records with ${choice.embedder.id} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const { heads, cv } = trainEmbeddingHeads(vectors, records, { embedder: choice.embedder.id, text, seed, lexical: oof, provenance, log: (m) => log(`train: ${m}`) });
  const path = saveEmbeddingHeads(heads, out);
  log(formatReport(cv.embedding, `cross-validated, ${choice.embedder.id} heads alone`));
  log(formatReport(cv.stacked, `cross-validated, lexical + ${choice.embedder.id} stacked`));
  log(`train: wrote ${path}`);
  return { embedder: choice.embedder.id, file: path, metrics: heads.metrics };
}
