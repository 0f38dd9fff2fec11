import type { Readable } from 'node:stream';
import { createBatchScorer, type BatchScore, type BatchScorerOptions } from '../batch/index.js';
import { parseJsonLine, readLines } from '../io/jsonl.js';
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
}

export interface ScoreStreamResult {
  batches: BatchScore[];
  lines: number;
  errors: number;
  truth: Map<string, unknown>;
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
  let lastReport = started;
  for await (const l of readLines(input)) {
    lines++;
    const fail = (msg: string): void => {
      errors++;
      process.stderr.write(`${JSON.stringify({ line: l.line, error: msg })}\n`);
    };
    if ('error' in l) {
      fail(l.error);
      continue;
    }
    const parsed = parseJsonLine(l.text);
    if ('error' in parsed) {
      fail(parsed.error);
      continue;
    }
    const v = parsed.value;
    const key = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[opts.by] : undefined;
    const batch = key === undefined || key === null || key === '' ? opts.missing : String(key);
    try {
      scorer.add(v, batch, l.line);
    } catch (err) {
      fail((err as Error).message);
      continue;
    }
    if (opts.keepTruth && !truth.has(batch)) truth.set(batch, (v as { sim?: unknown }).sim);
    opts.onRecord?.(batch, v);
    if (process.stderr.isTTY && Date.now() - lastReport > 2000) {
      lastReport = Date.now();
      process.stderr.write(`\rdistillscope: ${lines} lines, ${Math.round(lines / ((lastReport - started) / 1000))} lines/s`);
    }
  }
  if (process.stderr.isTTY && lastReport !== started) process.stderr.write('\n');
  const batches = scorer.results();
  log(`read ${lines} lines (${errors} errors) into ${batches.length} batches in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { batches, lines, errors, truth };
}
