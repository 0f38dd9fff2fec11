import { closeSync, createReadStream, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { rowNumber } from '../formats/common.js';
import { sniffGoldFormat } from '../formats/sniff.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readJsonLines } from '../io/jsonl.js';
import { isLabel, NONE, type Label } from '../tagger/labels.js';

/** A labelled prompt as stored in corpus files and labelled JSONL (`labels` plus the record fields). */
export interface LabelledRecord {
  text?: string;
  prompt?: string;
  messages?: unknown;
  tools?: unknown;
  id?: string;
  labels: Label[];
  lang?: string;
  tags?: string[];
  /** Which original a record derives from (augmented variants share their source's group). */
  group: number;
  augmented?: boolean;
  [field: string]: unknown;
}

export interface LoadResult {
  records: LabelledRecord[];
  errors: Array<{ file: string; line: number; error: string }>;
  files: string[];
  /** sha256 over file names and bytes, in sorted order: what the model was built from. */
  hash: string;
}

/** The first 64 KB of a file, for sniffing its format. */
function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Expand files and folders into the sorted list of `.jsonl` files. */
export function listJsonl(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p)) if (f.endsWith('.jsonl')) files.push(join(p, f));
    } else files.push(p);
  }
  return [...new Set(files)].sort();
}

/**
 * Read gold labels from a parsed line. `labels` is a list of label names (`none` or `[]` = no
 * label); a single string is accepted too.
 */
export function readGoldLabels(value: Record<string, unknown>): Label[] {
  const raw = value['labels'] ?? value['label'];
  const list = typeof raw === 'string' ? [raw] : raw;
  if (!Array.isArray(list)) throw new Error('field "labels" must be an array of label names');
  const out: Label[] = [];
  for (const l of list) {
    if (l === NONE) continue;
    if (!isLabel(l)) throw new Error(`unknown label ${JSON.stringify(l)}; allowed: ${[NONE, 'reasoning', 'tool_use', 'coding', 'vision', 'censorship_probing'].join(', ')}`);
    if (!out.includes(l)) out.push(l);
  }
  return out;
}

/**
 * Load labelled JSONL files. Bad lines are collected in `errors` (file and line), never dropped silently.
 *
 * Example:
 *   (await loadLabelled(['corpus/prompts'])).records.length // → 4000+
 */
export async function loadLabelled(paths: readonly string[]): Promise<LoadResult> {
  const files = listJsonl(paths);
  const records: LabelledRecord[] = [];
  const errors: LoadResult['errors'] = [];
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file.split('/').pop()}\n`);
    // A Label Studio export or Prodigy JSONL: gold rows through the format readers (loaded lazily: they import this module).
    const format = sniffGoldFormat(readHead(file));
    if (format !== 'jsonl') {
      hash.update(readFileSync(file));
      const { readGold } = await import('../formats/read.js');
      for await (const g of (await readGold(file, { format })).rows) {
        const line = rowNumber(g) ?? 0;
        if ('error' in g) errors.push({ file, line, error: `${g.where}: ${g.error}` });
        else records.push({ ...g.record, labels: g.labels, group: records.length });
      }
      continue;
    }
    for await (const l of readJsonLines(createReadStream(file))) {
      if ('error' in l) {
        errors.push({ file, line: l.line, error: l.error });
        continue;
      }
      hash.update(l.text);
      hash.update('\n');
      const v = l.value;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        errors.push({ file, line: l.line, error: 'line is not a JSON object' });
        continue;
      }
      try {
        const labels = readGoldLabels(v as Record<string, unknown>);
        records.push({ ...(v as Record<string, unknown>), labels, group: records.length });
      } catch (err) {
        errors.push({ file, line: l.line, error: (err as Error).message });
      }
    }
  }
  return { records, errors, files, hash: hash.digest('hex') };
}
