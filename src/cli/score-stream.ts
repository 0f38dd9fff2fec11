import type { Readable } from 'node:stream';
import { createBatchScorer, type BatchScore, type BatchScorerOptions } from '../batch/index.js';
import { readJsonLines } from '../io/jsonl.js';
import { isObject } from '../io/record.js';
import { log } from './output.js';

export interface ScoreStreamOptions extends BatchScorerOptions {
  /** The grouping field. */
  by: string;
  /** Batch name for records without the grouping field. */
  missing: string;
  /** Keep each batch's first `sim` field (ground truth of simulated traffic). */
  keepTruth?: boolean;
  /** Called with every readable record and its batch (evaluation baselines). */
  onRecord?: (batch: string, record: unknown) => void;
  /** Called after every line with the count so far (the progress meter). */
  onLine?: (lines: number) => void;
}

export interface ScoreStreamResult {
  batches: BatchScore[];
  lines: number;
  errors: number;
  truth: Map<string, unknown>;
}

/** A bad input line, as an error record on stderr (stdout carries the batches). @internal */
export function reportBadLine(line: number, error: string): void {
  process.stderr.write(`${JSON.stringify({ line, error })}\n`);
}

/** The batch a record belongs to: its grouping field, or the `missing` batch. @internal */
export function batchOf(value: unknown, by: string, missing: string): string {
  return batchName(isObject(value) ? value[by] : undefined, missing);
}

/** A grouping field's value as a batch name; absent, null or empty → the `missing` batch. @internal */
export function batchName(key: unknown, missing: string): string {
  return key === undefined || key === null || key === '' ? missing : String(key);
}

/**
 * Read JSONL records, group them by a field (input need not be grouped or sorted) and score each
 * batch. A bad line is reported on stderr with its number and counted; it never stops the run.
 * @internal
 */
export async function scoreStream(input: Readable, opts: ScoreStreamOptions): Promise<ScoreStreamResult> {
  const scorer = createBatchScorer(opts);
  const truth = new Map<string, unknown>();
  let lines = 0;
  let errors = 0;
  const started = Date.now();
  for await (const l of readJsonLines(input)) {
    lines++;
    opts.onLine?.(lines);
    const fail = (msg: string): void => {
      errors++;
      reportBadLine(l.line, msg);
    };
    if ('error' in l) {
      fail(l.error);
      continue;
    }
    const v = l.value;
    const batch = batchOf(v, opts.by, opts.missing);
    try {
      scorer.add(v, batch, l.line);
    } catch (err) {
      fail((err as Error).message);
      continue;
    }
    if (opts.keepTruth && !truth.has(batch)) truth.set(batch, (v as { sim?: unknown }).sim);
    opts.onRecord?.(batch, v);
  }
  const batches = opts.embedder ? await scorer.resultsAsync() : scorer.results();
  log(`read ${lines} lines (${errors} errors) into ${batches.length} batches in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { batches, lines, errors, truth };
}
