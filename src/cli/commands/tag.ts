import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { parseJsonLine, readLines } from '../../io/jsonl.js';
import { toPromptRecord, type PromptRecord } from '../../io/record.js';
import type { Tagger, TaggerOptions, TagResult } from '../../tagger/index.js';
import { describeTagging, taggerWithEmbedder, taggingEmbedder, type EmbedderChoice } from '../embedder.js';
import { CliError } from '../errors.js';
import { LABELS, type Label } from '../../tagger/labels.js';
import { SmallestN, uncertainty } from '../../tagger/uncertainty.js';
import { round4 } from '../../util/round.js';
import { countBytes, inputSize, Progress } from '../progress.js';
import { inputFrom, intOption, taggerFromOptions, taggerOptionsFrom } from '../common.js';
import { LineWriter, log } from '../output.js';
import { errorRow, tagLine, type TagRow } from '../tag-line.js';
import { rowFormatter, TAG_FORMATS, type TagFormat } from '../tag-format.js';
import type { FailedPrompt, TaggedPrompt } from '../../formats/common.js';

export interface TagCliOptions {
  model?: string;
  evidence?: string;
  thresholds?: string;
  workers?: string;
  uncertain?: string;
  embedder?: string;
  embedBand?: string;
  format?: string;
}

function formatOption(format: string | undefined): TagFormat {
  if (format === undefined) return 'jsonl';
  if ((TAG_FORMATS as readonly string[]).includes(format)) return format as TagFormat;
  throw new CliError('E_USAGE', `--format must be one of ${TAG_FORMATS.join(', ')}; received "${format}"`);
}

const CHUNK = 512;

/** `distillscope tag [FILE]`: one JSON line out per line in, in order; bad lines give `{line, error}`. */
export async function runTag(file: string | undefined, opts: TagCliOptions): Promise<void> {
  // Built here even with workers: a bad model or thresholds file fails before any thread starts.
  const format = formatOption(opts.format);
  // Worker threads tag with the lexical heads: the encoder runs on one thread per process.
  const workersAsked = opts.workers !== undefined && opts.workers !== '0';
  const choice = taggingEmbedder(opts, (m) => log(`tag: ${m}`), workersAsked ? '--workers' : undefined);
  if (choice || format !== 'jsonl' || opts.uncertain !== undefined) {
    if (workersAsked) log('tag: --workers applies to plain JSONL tagging only; tagging on the main thread');
    return runTagRows(file, opts, format, choice);
  }
  const tagger = taggerFromOptions(opts);
  const workers = intOption('workers', opts.workers ?? '0');
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
 * The general path of `tag`, for `--format`, `--uncertain` and `--embedder`: lines are parsed, then
 * tagged in chunks (so an embedder sees a batch at a time), then written in the chosen format, in
 * order — or, with `--uncertain N`, only the N rows nearest a threshold, nearest first, each with
 * `uncertainty: { margin, label }` (unreadable lines are then reported on stderr).
 */
async function runTagRows(file: string | undefined, opts: TagCliOptions, format: TagFormat, choice: EmbedderChoice | undefined): Promise<void> {
  const keepN = opts.uncertain === undefined ? undefined : intOption('uncertain', opts.uncertain, 1);
  const base = taggerOptionsFrom(opts);
  const tagger = await taggerWithEmbedder(base, choice);
  const thresholds = effectiveThresholds(tagger, base.thresholds, choice);
  const fmt = rowFormatter(format);
  const keep = keepN === undefined ? undefined : new SmallestN<TaggedPrompt & { extra: Record<string, unknown> }>(keepN);
  const out = new LineWriter(process.stdout);
  const { stream: input, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('tag', { totalBytes: inputSize(file) });
  const started = process.hrtime.bigint();
  let lines = 0;
  let errors = 0;
  let flagged = 0;
  type Item = { line: number; rec?: PromptRecord; failed?: FailedPrompt };
  let chunk: Item[] = [];
  const flush = async (): Promise<void> => {
    const todo = chunk.filter((c) => c.rec);
    const results = await tagger.tagRecordsAsync(todo.map((c) => c.rec as PromptRecord));
    const byLine = new Map(todo.map((c, k) => [c.line, results[k] as TagResult]));
    for (const c of chunk) {
      if (c.failed) {
        errors++;
        if (keep) log(`tag: line ${c.line}: ${c.failed.error}`);
        else await out.writeRaw(fmt.failed(c.failed));
        continue;
      }
      const rec = c.rec as PromptRecord;
      const result = byLine.get(c.line) as TagResult;
      if (result.labels.length) flagged++;
      const row: TaggedPrompt = { line: c.line, text: rec.text, result, ...(rec.id !== undefined ? { id: rec.id } : {}) };
      if (keep) {
        const u = uncertainty(result.scores, thresholds);
        keep.push(u.margin, { ...row, extra: { uncertainty: { margin: round4(u.margin), label: u.label } } });
      } else await out.writeRaw(fmt.tagged(row));
    }
    chunk = [];
    progress.update(lines, bytes());
  };
  try {
    await out.writeRaw(fmt.start());
    for await (const l of readLines(input)) {
      lines++;
      const parsed = 'error' in l ? l : parseJsonLine(l.text);
      if ('error' in parsed) chunk.push({ line: l.line, failed: { line: l.line, error: parsed.error } });
      else {
        try {
          chunk.push({ line: l.line, rec: toPromptRecord(parsed.value) });
        } catch (err) {
          const id = (parsed.value as { id?: unknown } | null)?.id;
          chunk.push({ line: l.line, failed: { line: l.line, error: (err as Error).message, ...(typeof id === 'string' || typeof id === 'number' ? { id: String(id) } : {}) } });
        }
      }
      if (chunk.length >= ROWS_CHUNK) await flush();
    }
    if (chunk.length) await flush();
    if (keep) for (const row of keep.result()) await out.writeRaw(fmt.tagged(row));
    await out.writeRaw(fmt.end());
  } finally {
    progress.done();
    await choice?.embedder.close();
  }
  await out.flush();
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const how = [format, describeTagging(choice), keep ? `the ${keepN} nearest a threshold` : ''].filter(Boolean).join(', ');
  log(`tag: ${lines} lines, ${lines - errors} tagged (${flagged} with a capability), ${errors} errors, ${secs.toFixed(2)} s, ${Math.round(lines / Math.max(secs, 1e-9))} lines/s; ${how}`);
}

const ROWS_CHUNK = 256;

/** The thresholds a tagger applies: its heads' (lexical, or the embedding heads'), overridden by the options'. */
function effectiveThresholds(tagger: Tagger, override: Partial<Record<Label, number>> | undefined, choice: EmbedderChoice | undefined): Record<Label, number> {
  const own = (l: Label): number => {
    const e = tagger.embeddingHeads?.heads[l];
    if (choice && e) return choice.use === 'stacked' ? e.stack.threshold : e.threshold;
    return tagger.model.manifest.heads[l].threshold;
  };
  return Object.fromEntries(LABELS.map((l) => [l, override?.[l] ?? own(l)])) as Record<Label, number>;
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
