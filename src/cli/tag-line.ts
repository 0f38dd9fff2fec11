import { parseJsonLine } from '../io/jsonl.js';
import { toPromptRecord } from '../io/record.js';
import type { Tagger } from '../tagger/index.js';

/** An output row of `tag`: its JSON and what the summary counts. @internal */
export interface TagRow {
  json: string;
  error: boolean;
  flagged: boolean;
}

/** The row for a line that cannot be tagged. @internal */
export function errorRow(line: number, error: string, id?: unknown): TagRow {
  return { json: JSON.stringify({ line, ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error }), error: true, flagged: false };
}

/** One input line of `tag` → its output row: the tag, or `{line, id?, error}`. @internal */
export function tagLine(tagger: Tagger, line: number, text: string): TagRow {
  const parsed = parseJsonLine(text);
  if ('error' in parsed) return errorRow(line, parsed.error);
  try {
    const result = tagger.tagRecord(toPromptRecord(parsed.value));
    return { json: JSON.stringify({ line, ...result }), error: false, flagged: result.labels.length > 0 };
  } catch (err) {
    return errorRow(line, (err as Error).message, (parsed.value as { id?: unknown } | null)?.id);
  }
}
