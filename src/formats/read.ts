/**
 * Read gold labels from a file or stdin in any of the labelers' formats, one row per example,
 * every unreadable one reported by where it is.
 */
import { Readable } from 'node:stream';
import { DEFAULT_MAX_LINE_BYTES, openInput, readJsonLines } from '../io/jsonl.js';
import { readGoldLabels } from '../train/data.js';
import { isJsonSpace } from '../io/json-field.js';
import { isObject } from '../io/record.js';
import { FormatError, type GoldRow } from './common.js';
import { goldFromLabelStudioExport, goldFromLabelStudioItem } from './labelstudio.js';
import { goldFromProdigy } from './prodigy.js';
import { GOLD_FORMATS, headShape, type GoldFormat } from './sniff.js';

export interface ReadGoldOptions {
  /** The format; default `auto`: guessed from the first line (see `sniffGoldFormat`). */
  format?: GoldFormat | 'auto';
  /** Label Studio: the choices control to read (see `goldFromLabelStudioItem`). */
  fromName?: string;
  /** Read this stream instead of opening `path`; `path` then only names it (`-` counts as stdin). */
  stream?: Readable;
  /** Largest Label Studio JSON export read whole, in bytes; default {@link MAX_JSON_BYTES}. */
  maxJsonBytes?: number;
}

/** An opened gold file: its format, and its rows in file order. */
export interface GoldSource {
  format: GoldFormat;
  rows: AsyncIterable<GoldRow>;
}

/**
 * Largest Label Studio JSON export read, in bytes (500 MiB). A JSON export is one document, so it
 * is read whole and parsed in memory (several times its size); JSON strings in V8 stop near 512 MiB.
 * Bigger projects: export tasks as JSON lines, which stream.
 */
export const MAX_JSON_BYTES = 500 * 1024 * 1024;

/** Bytes looked at to guess the format: the first line, up to the longest line read at all. */
const HEAD_BYTES = DEFAULT_MAX_LINE_BYTES;

/**
 * Gold labels of one line of distillscope's own labelled JSONL (`labels`: a list of label names,
 * `none` or `[]` for no label); the record is the line.
 *
 * Example:
 *   goldFromJsonl({ text: '请一步一步地思考：鸡兔同笼，共35个头94只脚，各有几只？', labels: ['reasoning'] }, 'line 1')
 *   // → { where: 'line 1', record: { text: '请一步一步地思考：…', labels: ['reasoning'] }, labels: ['reasoning'] }
 */
export function goldFromJsonl(value: unknown, where: string): GoldRow {
  if (!isObject(value)) return { where, error: 'line is not a JSON object' };
  try {
    return { where, record: value, labels: readGoldLabels(value) };
  } catch (err) {
    return { where, error: (err as Error).message };
  }
}

type LineReader = (value: unknown, where: string, options: ReadGoldOptions) => GoldRow;

const LINE_READERS: Readonly<Record<GoldFormat, LineReader>> = Object.freeze({
  jsonl: (value, where) => goldFromJsonl(value, where),
  labelstudio: (value, where, options) => goldFromLabelStudioItem(value, where, { fromName: options.fromName }),
  prodigy: (value, where) => goldFromProdigy(value, where),
});

/**
 * Open gold labels in any format: distillscope JSONL, a Label Studio export (JSON, JSON-MIN, or
 * tasks one per line) or Prodigy `db-out` JSONL. The format is guessed from the first line unless
 * `options.format` names it. Rows come in file order, one per line (JSONL formats, streamed with
 * constant memory) or one per task (a Label Studio JSON export, which is read whole: it must be a
 * file, not stdin, and at most {@link MAX_JSON_BYTES}). A row that gives no gold labels is an
 * error row naming its place; it is never dropped. Throws {@link FormatError} when the input as a
 * whole cannot be read (missing file, JSON export on stdin or too big, invalid JSON export, unknown format).
 *
 * Example:
 *   const { format, rows } = await readGold('project-3-at-2024-05-02.json');
 *   for await (const row of rows) {
 *     if ('error' in row) console.error(`${row.where}: ${row.error}`);
 *     else gold.push({ rec: toPromptRecord(row.record), labels: row.labels });
 *   }
 *   // format → 'labelstudio'; rows → { where: 'task 1 (id 1)', record: { text: … }, labels: ['reasoning'] }, …
 */
export async function readGold(path: string, options: ReadGoldOptions = {}): Promise<GoldSource> {
  const forced = checkFormat(options.format);
  const stdin = !path || path === '-';
  const name = stdin ? 'stdin' : `"${path}"`;
  const input = await peek(options.stream ?? openInput(path), name);
  const shape = headShape(input.head);
  const format = forced ?? shape.format;
  if (!shape.document) return { format, rows: lineRows(input.rest, format, options) };
  if (format !== 'labelstudio') {
    await input.close();
    throw new FormatError(`${name} is one JSON document, not JSON lines; only the labelstudio format reads a JSON document`);
  }
  if (stdin) {
    await input.close();
    throw new FormatError(
      'a Label Studio JSON export is read whole, so it must be a file: save it and pass its path (or export the tasks as JSON lines, which can come from stdin)',
    );
  }
  const doc = parseJson(await readAll(input.rest, options.maxJsonBytes ?? MAX_JSON_BYTES, name), name);
  const rows = goldFromLabelStudioExport(doc, { fromName: options.fromName });
  return { format, rows: fromArray(rows) };
}

function checkFormat(format: string | undefined): GoldFormat | undefined {
  if (format === undefined || format === 'auto') return undefined;
  if ((GOLD_FORMATS as readonly string[]).includes(format)) return format as GoldFormat;
  throw new FormatError(`unknown gold format "${format}"; must be one of [auto, ${GOLD_FORMATS.join(', ')}]`);
}

async function* lineRows(stream: Readable, format: GoldFormat, options: ReadGoldOptions): AsyncGenerator<GoldRow> {
  const read = LINE_READERS[format];
  for await (const l of readJsonLines(stream)) {
    const where = `line ${l.line}`;
    yield 'error' in l ? { where, error: l.error } : read(l.value, where, options);
  }
}

async function* fromArray(rows: readonly GoldRow[]): AsyncGenerator<GoldRow> {
  yield* rows;
}

/**
 * Read the start of a stream (up to the end of its first non-blank line, at most HEAD_BYTES) and
 * give back a stream that replays it, so stdin can be sniffed too.
 */
async function peek(stream: Readable, name: string): Promise<{ head: string; rest: Readable; close(): Promise<void> }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  let seen = false;
  let lineEnded = false;
  try {
    while (!lineEnded && size < HEAD_BYTES) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      chunks.push(b);
      size += b.length;
      let from = 0;
      while (!seen && from < b.length) seen = !isJsonSpace(b[from++] as number);
      lineEnded = seen && b.indexOf(0x0a, from) !== -1;
    }
  } catch (err) {
    throw new FormatError(`cannot read ${name}: ${(err as Error).message}`);
  }
  const head = new TextDecoder().decode(Buffer.concat(chunks, size).subarray(0, HEAD_BYTES));
  async function* replay(): AsyncGenerator<Buffer | string> {
    yield* chunks;
    if (done) return;
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      await it.return?.();
    }
  }
  const close = async (): Promise<void> => {
    await it.return?.();
  };
  return { head, rest: Readable.from(replay()), close };
}

async function readAll(stream: Readable, max: number, name: string): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    n += b.length;
    if (n > max) {
      throw new FormatError(`${name} is over ${max} bytes; a Label Studio JSON export is read whole, so export the tasks as JSON lines instead, or split the project`);
    }
    parts.push(b);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts, n));
  } catch {
    throw new FormatError(`${name} is not valid UTF-8`);
  }
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${name} is not valid JSON (${(err as Error).message.slice(0, 200)}); a Label Studio export is a JSON array of tasks`);
  }
}
