import type { Writable } from 'node:stream';

/**
 * Buffered line writer that respects backpressure: stdout stays fast for millions of lines and
 * memory stays bounded when the reader is slow.
 * @internal
 */
export class LineWriter {
  private buf: string[] = [];
  private bytes = 0;

  constructor(
    private readonly out: Writable,
    private readonly flushAt = 1 << 16,
  ) {}

  async write(line: string): Promise<void> {
    this.buf.push(line);
    this.bytes += line.length + 1;
    if (this.bytes >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.buf.length) return;
    const chunk = `${this.buf.join('\n')}\n`;
    this.buf = [];
    this.bytes = 0;
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
  }
}

/** Log to stderr (never stdout, which carries data). */
export function log(msg: string): void {
  process.stderr.write(`distillscope: ${msg}\n`);
}
