// Worker-thread entry of the USE-lite pool: loads its own copy of the model and embeds the batches
// of token-id rows it is sent, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { BatchReply, BatchRequest } from './pool.js';
import { openUseLiteRunner } from './runner.js';

const port = parentPort;
if (!port) throw new Error('distillscope: use-lite/worker.js runs as a worker thread only');
const runner = openUseLiteRunner((workerData as { modelDir: string }).modelDir);
// A failed load is reported with each batch below.
runner.catch(() => undefined);

port.on('message', (request: BatchRequest) => {
  runner
    .then((r) => r.run(request.rows))
    .then(
      (vectors) => port.postMessage({ id: request.id, vectors } satisfies BatchReply, vectors.map((v) => v.buffer as ArrayBuffer)),
      (err: unknown) => port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies BatchReply),
    );
});
