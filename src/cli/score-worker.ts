// Worker thread for `score`: owns the batches routed to it, scores them at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { createBatchScorer } from '../batch/index.js';
import { parseJsonLine } from '../io/jsonl.js';
import { createTagger } from '../tagger/index.js';

interface Init {
  model?: string;
  combiner?: string;
}

const init = workerData as Init;
const scorer = createBatchScorer({
  tagger: createTagger({ evidence: 0, ...(init.model ? { model: init.model } : {}) }),
  ...(init.combiner ? { combiner: init.combiner } : {}),
});

/** Line of each batch's first readable record: batches are printed in that order, as on one thread. */
const first = new Map<string, number>();

parentPort?.on('message', (msg: { chunk?: Array<[number, string, string]>; end?: boolean }) => {
  if (msg.chunk) {
    const errors: Array<{ line: number; error: string }> = [];
    for (const [line, batch, text] of msg.chunk) {
      const parsed = parseJsonLine(text);
      if ('error' in parsed) {
        errors.push({ line, error: parsed.error });
        continue;
      }
      try {
        scorer.add(parsed.value, batch, line);
        if (!first.has(batch)) first.set(batch, line);
      } catch (err) {
        errors.push({ line, error: (err as Error).message });
      }
    }
    parentPort?.postMessage({ done: msg.chunk.length, errors });
  } else if (msg.end) {
    parentPort?.postMessage({ results: scorer.results(), first: Object.fromEntries(first) });
  }
});
