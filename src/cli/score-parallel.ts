import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { BatchScore } from '../batch/index.js';
import { hashString } from '../features/hash.js';
import { topLevelField } from '../io/json-field.js';
import { parseJsonLine, readLineBatches } from '../io/jsonl.js';
import { log } from './output.js';
import { batchName, batchOf, reportBadLine } from './score-stream.js';

export interface ParallelScoreOptions {
  by: string;
  missing: string;
  workers: number;
  model?: string;
  combiner?: string;
  /** Called after every line with the count so far (the progress meter). */
  onLine?: (lines: number) => void;
}

const CHUNK = 256;
const MAX_IN_FLIGHT = 8;

/**
 * `score` on several cores: lines are routed to worker threads by a hash of their batch, so each
 * worker owns whole batches and no sketch crosses threads until the final scores. Bad lines are
 * reported on stderr with their numbers, as in the single-thread path.
 * @internal
 */
export async function scoreParallel(input: Readable, opts: ParallelScoreOptions): Promise<{ batches: BatchScore[]; lines: number; errors: number }> {
  const url = new URL('./score-worker.js', import.meta.url);
  const data = { ...(opts.model ? { model: opts.model } : {}), ...(opts.combiner ? { combiner: opts.combiner } : {}) };
  const workers = Array.from({ length: opts.workers }, () => new Worker(url, { workerData: data }));
  const inFlight = workers.map(() => 0);
  const waiters: Array<(() => void) | undefined> = workers.map(() => undefined);
  const finals: Array<Promise<BatchScore[]>> = [];
  const firstLine = new Map<string, number>();
  let errors = 0;
  const reportError = (line: number, error: string): void => {
    errors++;
    reportBadLine(line, error);
  };
  workers.forEach((w, k) => {
    finals.push(
      new Promise<BatchScore[]>((resolve, reject) => {
        w.on('error', reject);
        w.on('message', (msg: { done?: number; errors?: Array<{ line: number; error: string }>; results?: BatchScore[]; first?: Record<string, number> }) => {
          if (msg.errors) for (const e of msg.errors) reportError(e.line, e.error);
          if (msg.done !== undefined) {
            inFlight[k] = (inFlight[k] as number) - 1;
            waiters[k]?.();
            waiters[k] = undefined;
          }
          if (msg.first) for (const [batch, line] of Object.entries(msg.first)) firstLine.set(batch, line);
          if (msg.results) resolve(msg.results);
        });
      }),
    );
  });
  const chunks: Array<Array<[number, string, string]>> = workers.map(() => []);
  const send = async (k: number): Promise<void> => {
    if ((inFlight[k] as number) >= MAX_IN_FLIGHT) await new Promise<void>((r) => (waiters[k] = r));
    inFlight[k] = (inFlight[k] as number) + 1;
    (workers[k] as Worker).postMessage({ chunk: chunks[k] });
    chunks[k] = [];
  };
  let lines = 0;
  const started = Date.now();
  for await (const chunk of readLineBatches(input)) {
    for (const l of chunk) {
      lines++;
      opts.onLine?.(lines);
      if ('error' in l) {
        reportError(l.line, l.error);
        continue;
      }
      // The grouping field is read without parsing the line when that is sure; the worker parses it.
      const field = topLevelField(l.text, opts.by);
      let batch: string;
      if (field) batch = batchName(field.value, opts.missing);
      else {
        const parsed = parseJsonLine(l.text);
        if ('error' in parsed) {
          reportError(l.line, parsed.error);
          continue;
        }
        batch = batchOf(parsed.value, opts.by, opts.missing);
      }
      const k = hashString(batch) % workers.length;
      (chunks[k] as Array<[number, string, string]>).push([l.line, batch, l.text]);
      if ((chunks[k] as unknown[]).length >= CHUNK) await send(k);
    }
  }
  for (let k = 0; k < workers.length; k++) if ((chunks[k] as unknown[]).length) await send(k);
  for (const w of workers) w.postMessage({ end: true });
  const results = (await Promise.all(finals)).flat();
  await Promise.all(workers.map((w) => w.terminate()));
  results.sort((a, b) => (firstLine.get(a.batch) as number) - (firstLine.get(b.batch) as number));
  log(`read ${lines} lines (${errors} errors) into ${results.length} batches in ${((Date.now() - started) / 1000).toFixed(1)} s on ${workers.length} worker threads`);
  return { batches: results, lines, errors };
}
