import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { parseJsonLine, readLines } from '../../io/jsonl.js';
import { toPromptRecord, type PromptRecord } from '../../io/record.js';
import { createTagger, type Tagger, type TaggerOptions, type TagResult } from '../../tagger/index.js';
import { embedderFromSpec, type EmbedderChoice } from '../embedder.js';
import { CliError } from '../errors.js';
import { LABELS, type Label } from '../../tagger/labels.js';
import { SmallestN, uncertainty } from '../../tagger/uncertainty.js';
import { round4 } from '../../util/round.js';
import { countBytes, inputSize, Progress } from '../progress.js';
import { inputFrom, intOption, taggerFromOptions, taggerOptionsFrom } from '../common.js';
import { LineWriter, log } from '../output.js';
import { errorRow, tagLine, type TagRow } from '../tag-line.js';

export interface TagCliOptions {
  model?: string;
  evidence?: string;
  thresholds?: string;
  workers?: string;
  uncertain?: string;
  embedder?: string;
  embedBand?: string;
}

const CHUNK = 512;

/** `distillscope tag [FILE]`: one JSON line out per line in, in order; bad lines give `{line, error}`. */
export async function runTag(file: string | undefined, opts: TagCliOptions): Promise<void> {
  // Built here even with workers: a bad model or thresholds file fails before any thread starts.
  const choice = embedderFromSpec(opts.embedder);
  if (choice) return runTagEmbedded(file, opts, choice);
  const tagger = taggerFromOptions(opts);
  const workers = intOption('workers', opts.workers ?? '0');
  if (opts.uncertain !== undefined) return runUncertain(file, tagger, intOption('uncertain', opts.uncertain, 1), opts);
  const out = new LineWriter(process.stdout);
  const started = process.hrtime.bigint();
  let lines = 0;
  let errors = 0;
  let flagged = 0;
  const count = (r: TagRow): void => {
    if (r.error) errors++;
    if (r.flagged) flagged++;
  };
  const { stream: input, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('tag', { totalBytes: inputSize(file) });
  if (workers === 0) {
    for await (const l of readLines(input)) {
      lines++;
      const r = 'error' in l ? errorRow(l.line, l.error) : tagLine(tagger, l.line, l.text);
      count(r);
      await out.write(r.json);
      progress.update(lines, bytes());
    }
  } else {
    let written = 0;
    lines = await tagOnWorkers(input, workers, taggerOptionsFrom(opts), async (r) => {
      count(r);
      await out.write(r.json);
      progress.update(++written, bytes());
    });
  }
  await out.flush();
  progress.done();
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  log(`tag: ${lines} lines, ${lines - errors} tagged (${flagged} with a capability), ${errors} errors, ${secs.toFixed(2)} s, ${Math.round(lines / Math.max(secs, 1e-9))} lines/s`);
}

/**
 * `tag --uncertain N`: only the N prompts nearest a threshold (smallest log-odds margin), nearest
 * first, each with `uncertainty: { margin, label }` — the prompts worth sending to a labeller.
 * Unreadable lines are still reported, on stderr, and counted.
 */
async function runUncertain(file: string | undefined, tagger: Tagger, n: number, opts: TagCliOptions): Promise<void> {
  const thresholds = effectiveThresholds(tagger, taggerOptionsFrom(opts).thresholds);
  const keep = new SmallestN<string>(n);
  const { stream: input, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('tag', { totalBytes: inputSize(file) });
  let lines = 0;
  let errors = 0;
  for await (const l of readLines(input)) {
    lines++;
    progress.update(lines, bytes());
    const parsed = 'error' in l ? l : parseJsonLine(l.text);
    if ('error' in parsed) {
      errors++;
      log(`tag: line ${l.line}: ${parsed.error}`);
      continue;
    }
    try {
      const result = tagger.tagRecord(toPromptRecord(parsed.value));
      const u = uncertainty(result.scores, thresholds);
      keep.push(u.margin, JSON.stringify({ line: l.line, ...result, uncertainty: { margin: round4(u.margin), label: u.label } }));
    } catch (err) {
      errors++;
      log(`tag: line ${l.line}: ${(err as Error).message}`);
    }
  }
  progress.done();
  const out = new LineWriter(process.stdout);
  const rows = keep.result();
  for (const row of rows) await out.write(row);
  await out.flush();
  log(`tag: ${lines} lines, ${errors} errors; wrote the ${rows.length} nearest a threshold`);
}

/**
 * `tag --embedder …`: the same rows as lexical tagging, in order, but lines are tagged in chunks so
 * each chunk's prompts are embedded together.
 */
async function runTagEmbedded(file: string | undefined, opts: TagCliOptions, choice: EmbedderChoice): Promise<void> {
  const band = opts.embedBand === undefined ? undefined : Number(opts.embedBand);
  if (band !== undefined && !(band > 0)) throw new CliError('E_USAGE', `--embed-band must be a positive number, received "${opts.embedBand}"`);
  let tagger: Tagger;
  try {
    tagger = createTagger({ ...taggerOptionsFrom(opts), embedder: choice.embedder, embeddingUse: choice.use, ...(band ? { embedBand: band } : {}) });
  } catch (err) {
    await choice.embedder.close();
    throw new CliError('E_MODEL', (err as Error).message);
  }
  const out = new LineWriter(process.stdout);
  const { stream: input, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('tag', { totalBytes: inputSize(file) });
  const started = process.hrtime.bigint();
  let lines = 0;
  let errors = 0;
  let flagged = 0;
  // A chunk holds each line's error row, or its parsed record waiting for the embedder.
  let chunk: Array<{ line: number; row?: TagRow; rec?: PromptRecord; id?: unknown }> = [];
  const flush = async (): Promise<void> => {
    const todo = chunk.filter((c) => c.rec);
    const results = await tagger.tagRecordsAsync(todo.map((c) => c.rec as PromptRecord));
    todo.forEach((c, k) => {
      const r = results[k] as TagResult;
      c.row = { json: JSON.stringify({ line: c.line, ...r }), error: false, flagged: r.labels.length > 0 };
    });
    for (const c of chunk) {
      const row = c.row as TagRow;
      if (row.error) errors++;
      if (row.flagged) flagged++;
      await out.write(row.json);
    }
    chunk = [];
    progress.update(lines, bytes());
  };
  try {
    for await (const l of readLines(input)) {
      lines++;
      const parsed = 'error' in l ? l : parseJsonLine(l.text);
      if ('error' in parsed) chunk.push({ line: l.line, row: errorRow(l.line, parsed.error) });
      else {
        try {
          chunk.push({ line: l.line, rec: toPromptRecord(parsed.value) });
        } catch (err) {
          chunk.push({ line: l.line, row: errorRow(l.line, (err as Error).message, (parsed.value as { id?: unknown } | null)?.id) });
        }
      }
      if (chunk.length >= EMBED_CHUNK) await flush();
    }
    if (chunk.length) await flush();
  } finally {
    progress.done();
    await choice.embedder.close();
  }
  await out.flush();
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  log(`tag: ${lines} lines, ${lines - errors} tagged (${flagged} with a capability), ${errors} errors, ${secs.toFixed(2)} s, ${Math.round(lines / Math.max(secs, 1e-9))} lines/s (embedder ${choice.embedder.id}, ${choice.use})`);
}

const EMBED_CHUNK = 256;

/** The thresholds a tagger applies: the model's, overridden by the options'. */
function effectiveThresholds(tagger: Tagger, override?: Partial<Record<Label, number>>): Record<Label, number> {
  return Object.fromEntries(LABELS.map((l) => [l, override?.[l] ?? tagger.model.manifest.heads[l].threshold])) as Record<Label, number>;
}

/** Tag on worker threads in chunks, writing rows back in input order. Returns the line count. */
async function tagOnWorkers(input: Readable, n: number, options: TaggerOptions, emit: (r: TagRow) => Promise<void>): Promise<number> {
  const url = new URL('../tag-worker.js', import.meta.url);
  const pool = Array.from({ length: n }, () => new Worker(url, { workerData: options }));
  const pending = new Map<number, TagRow[]>();
  const waiting = new Map<number, (rows: TagRow[]) => void>();
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    for (const w of pool) w.on('error', (err) => reject((failure = err)));
  });
  failed.catch(() => {});
  for (const w of pool) {
    w.on('message', (msg: { id: number; out: TagRow[] }) => {
      const resolve = waiting.get(msg.id);
      if (resolve) {
        waiting.delete(msg.id);
        resolve(msg.out);
      } else pending.set(msg.id, msg.out);
    });
  }
  const results: Array<Promise<TagRow[]>> = [];
  let next = 0;
  let written = 0;
  const flushReady = async (force: boolean): Promise<void> => {
    // Keep a few chunks in flight per worker; write finished chunks in order.
    while (written < results.length && (force || results.length - written > 2 * n)) {
      for (const r of await (results[written] as Promise<TagRow[]>)) await emit(r);
      written++;
    }
  };
  const dispatch = (chunk: Array<[number, string]>): void => {
    const id = next++;
    const answer = new Promise<TagRow[]>((resolve) => {
      const done = pending.get(id);
      if (done) {
        pending.delete(id);
        resolve(done);
      } else waiting.set(id, resolve);
    });
    results.push(Promise.race([answer, failed]));
    (pool[id % n] as Worker).postMessage({ id, lines: chunk });
  };
  let chunk: Array<[number, string]> = [];
  let lines = 0;
  for await (const l of readLines(input)) {
    lines++;
    // Unreadable lines get their error row in place: as a one-line chunk answered at once.
    if ('error' in l) {
      if (chunk.length) {
        dispatch(chunk);
        chunk = [];
      }
      results.push(Promise.resolve([errorRow(l.line, l.error)]));
      next++;
      continue;
    }
    chunk.push([l.line, l.text]);
    if (chunk.length >= CHUNK) {
      dispatch(chunk);
      chunk = [];
      await flushReady(false);
    }
  }
  if (chunk.length) dispatch(chunk);
  await flushReady(true);
  await Promise.all(pool.map((w) => w.terminate()));
  if (failure) throw failure;
  return lines;
}
