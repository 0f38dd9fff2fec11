import { statSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';

/** Where progress goes: stderr, or a fake in tests. */
export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** Total input bytes when known (a file), for the percentage and ETA. */
  totalBytes?: number;
  /** Nothing is drawn before this many ms have passed (short runs stay quiet). Default 2000. */
  delayMs?: number;
  /** Minimum ms between redraws. Default 250. */
  everyMs?: number;
  sink?: ProgressSink;
  now?: () => number;
}

/**
 * A one-line progress meter on stderr — rate, percentage and ETA — drawn only when stderr is a
 * terminal and the run has lasted a few seconds, so pipes and logs never see it.
 *
 * Example:
 *   const p = new Progress('tag', { totalBytes: 5e6 });
 *   p.update(lines, bytesRead); // many times
 *   p.done();                   // clears the line
 */
export class Progress {
  private readonly sink: ProgressSink;
  private readonly now: () => number;
  private readonly started: number;
  private last = -Infinity;
  private drawn = false;
  readonly enabled: boolean;

  constructor(
    private readonly what: string,
    private readonly opts: ProgressOptions = {},
  ) {
    this.sink = opts.sink ?? process.stderr;
    this.now = opts.now ?? Date.now;
    this.started = this.now();
    this.enabled = this.sink.isTTY === true;
  }

  /** Report `items` done and `bytes` of input read so far. Cheap: call it per line. */
  update(items: number, bytes?: number): void {
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.started < (this.opts.delayMs ?? 2000) || t - this.last < (this.opts.everyMs ?? 250)) return;
    this.last = t;
    this.drawn = true;
    this.sink.write(`\r\x1b[2K${this.line(items, bytes, t)}`);
  }

  /** The text of the meter (exported for tests). */
  line(items: number, bytes: number | undefined, t = this.now()): string {
    const secs = Math.max((t - this.started) / 1000, 1e-3);
    const rate = items / secs;
    let text = `distillscope: ${this.what}: ${items.toLocaleString('en-US')} lines, ${formatRate(rate)}/s`;
    const total = this.opts.totalBytes;
    if (total && bytes !== undefined && bytes > 0) {
      const frac = Math.min(1, bytes / total);
      const eta = (secs * (1 - frac)) / frac;
      text += `, ${(frac * 100).toFixed(1)}%, ETA ${formatDuration(eta)}`;
    }
    return text;
  }

  /** Clear the meter line (the command prints its own summary after). */
  done(): void {
    if (this.drawn) this.sink.write('\r\x1b[2K');
    this.drawn = false;
  }
}

function formatRate(r: number): string {
  return r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1);
}

/** `75` → `1m15s`; `3725` → `1h02m`. */
export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs)) return '?';
  const s = Math.round(secs);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Wrap an input stream so its bytes are counted as they are read; returns the stream to read and a counter. */
export function countBytes(input: Readable): { stream: Readable; bytes: () => number } {
  let n = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  input.on('error', (err) => counter.destroy(err));
  return { stream: input.pipe(counter), bytes: () => n };
}

/** Size of the named input file, when it is a regular file (not stdin). */
export function inputSize(file: string | undefined): number | undefined {
  if (!file || file === '-') return undefined;
  try {
    const st = statSync(file);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}
