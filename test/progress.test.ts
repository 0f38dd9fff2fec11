import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { countBytes, formatDuration, Progress } from '../src/cli/progress.js';

function fakeSink(isTTY: boolean): { isTTY: boolean; out: string[]; write: (s: string) => void } {
  const out: string[] = [];
  return { isTTY, out, write: (s: string) => void out.push(s) };
}

describe('Progress', () => {
  it('draws rate, percentage and ETA on a terminal after the delay, then clears the line', () => {
    let t = 0;
    const sink = fakeSink(true);
    const p = new Progress('tag', { totalBytes: 1000, sink, now: () => t });
    t = 1000;
    p.update(100, 100);
    expect(sink.out).toEqual([]); // under the 2 s delay: quiet
    t = 4000;
    p.update(4000, 400);
    expect(sink.out).toHaveLength(1);
    expect(sink.out[0]).toContain('tag: 4,000 lines, 1,000/s, 40.0%, ETA 6s');
    t = 4100;
    p.update(4100, 410);
    expect(sink.out).toHaveLength(1); // redraws at most every 250 ms
    p.done();
    expect(sink.out.at(-1)).toBe('\r\x1b[2K');
  });

  it('stays silent when stderr is not a terminal (pipes, CI logs)', () => {
    let t = 0;
    const sink = fakeSink(false);
    const p = new Progress('score', { sink, now: () => t });
    t = 60_000;
    p.update(1e6);
    p.done();
    expect(p.enabled).toBe(false);
    expect(sink.out).toEqual([]);
  });

  it('omits percentage and ETA for stdin, whose size is unknown', () => {
    let t = 0;
    const p = new Progress('tag', { sink: fakeSink(true), now: () => t });
    t = 10_000;
    expect(p.line(250, 1234)).toBe('distillscope: tag: 250 lines, 25.0/s');
  });
});

describe('formatDuration and countBytes', () => {
  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(75)).toBe('1m15s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Infinity)).toBe('?');
  });

  it('counts the bytes that pass through unchanged', async () => {
    const { stream, bytes } = countBytes(Readable.from([Buffer.from('{"text":"你好"}\n'), Buffer.from('{"text":"b"}\n')]));
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('{"text":"你好"}\n{"text":"b"}\n');
    expect(bytes()).toBe(Buffer.byteLength('{"text":"你好"}\n{"text":"b"}\n'));
  });
});
