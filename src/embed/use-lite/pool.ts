import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A batch sent to a worker.
 *
 * Example:
 *   const request: BatchRequest = { id: 7, rows: [Int32Array.of(341, 4125, 311)] };
 * @internal
 */
export interface BatchRequest {
  id: number;
  rows: Int32Array[];
}

/**
 * A worker's answer: the batch's vectors, or why it failed.
 *
 * Example:
 *   const ok: BatchReply = { id: 7, vectors: [new Float32Array(512)] };
 *   const failed: BatchReply = { id: 8, error: 'distillscope: cannot read the USE-lite model graph …' };
 * @internal
 */
export type BatchReply = { id: number; vectors: Float32Array[] } | { id: number; error: string };

interface Task {
  request: BatchRequest;
  resolve: (vectors: Float32Array[]) => void;
  reject: (err: Error) => void;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * Throws unless the compiled worker script exists: it is the built `worker.js` next to this module,
 * so running from TypeScript sources (no build) has none.
 *
 * Example:
 *   checkWorkerScript() // from dist/: → undefined; from src/: throws … build the package (npm run build) or use threads: 1
 * @internal
 */
export function checkWorkerScript(): void {
  const path = fileURLToPath(WORKER_URL);
  if (!existsSync(path)) {
    throw new Error(`distillscope: threads > 1 runs the worker script "${path}", which is missing; build the package (npm run build) or use threads: 1`);
  }
}

/**
 * The parent's Node options minus those about its own entry (`-e`, `-p`, `--input-type`): a worker
 * inherits them by default and refuses to start with `--input-type`.
 */
function workerExecArgv(): string[] {
  const kept: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(arg)) i++;
    else if (!/^--(input-type|eval|print)=/.test(arg)) kept.push(arg);
  }
  return kept;
}

/**
 * Worker threads that each load the USE-lite model and embed batches of token-id rows. Batches
 * wait in one queue and go to whichever worker is free, so uneven batches still keep every core
 * busy. Idle workers do not keep the process alive.
 *
 * Example:
 *   const pool = new UseLitePool(2, useLiteModelDir());
 *   const [a, b] = await Promise.all([pool.run([rowsA]), pool.run([rowsB])]); // one per worker
 *   await pool.close();
 * @internal
 */
export class UseLitePool {
  private readonly workers: Worker[];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(size: number, modelDir: string) {
    checkWorkerScript();
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(WORKER_URL, { workerData: { modelDir }, execArgv: workerExecArgv() });
      worker.unref();
      worker.on('message', (reply: BatchReply) => this.settle(worker, reply));
      worker.on('error', (err) => this.fail(new Error(`distillscope: a USE-lite worker failed: ${err.message}`)));
      worker.on('exit', (code) => this.fail(new Error(`distillscope: a USE-lite worker stopped (exit code ${code})`)));
      return worker;
    });
  }

  /** One unit vector per row, computed on the next free worker. */
  run(rows: Int32Array[]): Promise<Float32Array[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, rows }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every worker; pending and later batches fail. */
  async close(): Promise<void> {
    this.fail(new Error('distillscope: this USE-lite embedder is closed'));
    // Held until they have exited: the process could otherwise end before `terminate` settles.
    this.closing = true;
    for (const worker of this.workers) worker.ref();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    for (const worker of this.workers) {
      if (this.queue.length === 0) return;
      if (this.busy.has(worker)) continue;
      const task = this.queue.shift() as Task;
      this.busy.set(worker, task);
      // A worker with a batch in hand keeps the process alive until it answers.
      worker.ref();
      worker.postMessage(task.request);
    }
  }

  private settle(worker: Worker, reply: BatchReply): void {
    const task = this.busy.get(worker);
    if (!task || task.request.id !== reply.id) return;
    this.busy.delete(worker);
    worker.unref();
    if ('error' in reply) task.reject(new Error(reply.error));
    else task.resolve(reply.vectors);
    this.dispatch();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const pending = [...this.busy.values(), ...this.queue.splice(0)];
    this.busy.clear();
    if (!this.closing) for (const worker of this.workers) worker.unref();
    for (const task of pending) task.reject(this.failure);
  }
}
