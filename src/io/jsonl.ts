import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** One input line: its 1-based number and either its text or why it cannot be read. */
export type InputLine = { line: number; text: string } | { line: number; error: string };

/** Longest line read, in bytes; a longer one becomes an error record and is skipped over in constant memory. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

const NEWLINE = 0x0a;

/**
 * Read a stream as lines, in order, without losing any: every line (including blank and over-long
 * ones) yields exactly one item. Bytes are split on `\n` before decoding, so invalid UTF-8 is
 * caught per line. A trailing newline at the end of the input does not make an extra line.
 *
 * Example:
 *   for await (const l of readLines(Readable.from(['{"text":"hi"}\n{oops\n']))) console.log(l);
 *   // → { line: 1, text: '{"text":"hi"}' }  { line: 2, text: '{oops' }
 */
export async function* readLines(stream: Readable, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<InputLine> {
  for await (const lines of readLineBatches(stream, maxLineBytes)) yield* lines;
}

/**
 * {@link readLines}, a stream chunk's lines at a time: the same items in the same order, in arrays,
 * for readers that handle millions of lines (one await per chunk, not per line).
 * @internal
 */
export async function* readLineBatches(stream: Readable, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<InputLine[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let line = 0;
  const decode = (buf: Uint8Array): InputLine => {
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    try {
      return { line, text: decoder.decode(buf) };
    } catch {
      return { line, error: 'line is not valid UTF-8' };
    }
  };
  const finish = (): InputLine => {
    line++;
    const n = size;
    const bufs = parts;
    parts = [];
    size = 0;
    if (overflow) {
      overflow = false;
      return { line, error: `line is ${n} bytes, over the limit of ${maxLineBytes}` };
    }
    return decode(bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs, n));
  };
  for await (const chunk of stream) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    const out: InputLine[] = [];
    let start = 0;
    let nl: number;
    while ((nl = data.indexOf(NEWLINE, start)) !== -1) {
      if (parts.length === 0 && !overflow && nl - start <= maxLineBytes) {
        // A whole line inside this chunk: decoded in place, before the stream can reuse the chunk.
        line++;
        out.push(decode(data.subarray(start, nl)));
      } else {
        append(data.subarray(start, nl));
        out.push(finish());
      }
      start = nl + 1;
    }
    append(data.subarray(start));
    if (out.length) yield out;
  }
  if (size > 0 || parts.length > 0) yield [finish()];

  function append(piece: Buffer): void {
    if (piece.length === 0) return;
    size += piece.length;
    if (overflow) return;
    if (size > maxLineBytes) {
      overflow = true;
      parts = [];
      return;
    }
    // Copy: the stream may reuse its chunk buffers.
    parts.push(Buffer.from(piece));
  }
}

/** Parse one line as JSON; errors say what is wrong, never throw. */
export function parseJsonLine(text: string): { value: unknown } | { error: string } {
  if (text.trim() === '') return { error: 'empty line' };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `malformed JSON: ${(err as Error).message.slice(0, 200)}` };
  }
}

/** One input line parsed as JSON: its value (and text), or why it cannot be read. */
export type JsonLine = { line: number; value: unknown; text: string } | { line: number; error: string };

/**
 * Read a stream as JSON lines: {@link readLines} then {@link parseJsonLine}, one item per line.
 *
 * Example:
 *   for await (const l of readJsonLines(Readable.from(['{"text":"hi"}\n{oops\n']))) console.log(l);
 *   // → { line: 1, value: { text: 'hi' }, text: '{"text":"hi"}' }  { line: 2, error: 'malformed JSON: …' }
 */
export async function* readJsonLines(stream: Readable, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<JsonLine> {
  for await (const l of readLines(stream, maxLineBytes)) {
    if ('error' in l) {
      yield l;
      continue;
    }
    const parsed = parseJsonLine(l.text);
    yield 'error' in parsed ? { line: l.line, error: parsed.error } : { line: l.line, value: parsed.value, text: l.text };
  }
}

/** Open a path, or stdin for `-` / no path. Files are read 1 MiB at a time (fewer reads, fewer line batches). */
export function openInput(path?: string): Readable {
  return !path || path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
}
