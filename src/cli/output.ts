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

  /** Write text that carries its own line ends (CSV rows, a JSON array's pieces); empty text is skipped. */
  async writeRaw(text: string): Promise<void> {
    if (!text) return;
    if (this.buf.length) await this.flush();
    if (!this.out.write(text)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
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
