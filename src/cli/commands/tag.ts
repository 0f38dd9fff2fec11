import { parseJsonLine, readLines } from '../../io/jsonl.js';
import { toPromptRecord } from '../../io/record.js';
import { inputFrom, taggerFromOptions } from '../common.js';
import { LineWriter, log } from '../output.js';

export interface TagCliOptions {
  model?: string;
  evidence?: string;
  thresholds?: string;
}

/** `distillscope tag [FILE]`: one JSON line out per line in, in order; bad lines give `{line, error}`. */
export async function runTag(file: string | undefined, opts: TagCliOptions): Promise<void> {
  const tagger = taggerFromOptions(opts);
  const out = new LineWriter(process.stdout);
  const started = process.hrtime.bigint();
  let lines = 0;
  let errors = 0;
  let flagged = 0;
  for await (const l of readLines(inputFrom(file))) {
    lines++;
    let row: Record<string, unknown>;
    if ('error' in l) {
      row = { line: l.line, error: l.error };
    } else {
      const parsed = parseJsonLine(l.text);
      if ('error' in parsed) {
        row = { line: l.line, error: parsed.error };
      } else {
        try {
          const result = tagger.tagRecord(toPromptRecord(parsed.value));
          if (result.labels.length) flagged++;
          row = { line: l.line, ...result };
        } catch (err) {
          const id = (parsed.value as { id?: unknown } | null)?.id;
          row = { line: l.line, ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error: (err as Error).message };
        }
      }
    }
    if ('error' in row) errors++;
    await out.write(JSON.stringify(row));
  }
  await out.flush();
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  log(`tag: ${lines} lines, ${lines - errors} tagged (${flagged} with a capability), ${errors} errors, ${secs.toFixed(2)} s, ${Math.round(lines / Math.max(secs, 1e-9))} lines/s`);
}
