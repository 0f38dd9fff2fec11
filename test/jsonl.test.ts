import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseJsonLine, readLines, type InputLine } from '../src/io/jsonl.js';

async function collect(chunks: Array<string | Buffer>, max?: number): Promise<InputLine[]> {
  const out: InputLine[] = [];
  for await (const l of readLines(Readable.from(chunks), max)) out.push(l);
  return out;
}

describe('readLines', () => {
  it('yields one item per line, in order, across chunk boundaries', async () => {
    const lines = await collect(['{"text":"a"}\n{"te', 'xt":"b"}\r\n\n{"text":"c"}']);
    expect(lines).toEqual([
      { line: 1, text: '{"text":"a"}' },
      { line: 2, text: '{"text":"b"}' },
      { line: 3, text: '' },
      { line: 4, text: '{"text":"c"}' },
    ]);
  });

  it('does not invent a line after a trailing newline', async () => {
    expect(await collect(['x\ny\n'])).toHaveLength(2);
  });

  it('reports invalid UTF-8 per line and keeps going', async () => {
    const lines = await collect([Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), '{"text":"ok"}\n']);
    expect(lines[0]).toEqual({ line: 1, error: 'line is not valid UTF-8' });
    expect(lines[1]).toEqual({ line: 2, text: '{"text":"ok"}' });
  });

  it('turns an over-long line into an error record without buffering it', async () => {
    const big = 'x'.repeat(5000);
    const lines = await collect([`${big}\n`, 'short\n'], 1000);
    expect(lines[0]).toEqual({ line: 1, error: 'line is 5000 bytes, over the limit of 1000' });
    expect(lines[1]).toEqual({ line: 2, text: 'short' });
  });

  it('reads a 5 MB line whole under the default limit', async () => {
    const text = JSON.stringify({ text: 'word '.repeat(1_000_000) });
    const lines = await collect([text.slice(0, 3_000_000), text.slice(3_000_000), '\n']);
    expect(lines).toHaveLength(1);
    expect('text' in (lines[0] as InputLine) && (lines[0] as { text: string }).text.length).toBe(text.length);
  });
});

describe('parseJsonLine', () => {
  it('parses JSON and explains failures', () => {
    expect(parseJsonLine('{"text":"hi"}')).toEqual({ value: { text: 'hi' } });
    expect(parseJsonLine('{"text": "unterminated')).toMatchObject({ error: expect.stringMatching(/^malformed JSON/) });
    expect(parseJsonLine('   ')).toEqual({ error: 'empty line' });
    expect(parseJsonLine('\u0000\u0001binary')).toMatchObject({ error: expect.stringMatching(/^malformed JSON/) });
  });

  it('survives deeply nested JSON', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(() => parseJsonLine(deep)).not.toThrow();
  });
});
