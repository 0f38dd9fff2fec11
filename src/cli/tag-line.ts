import { parseJsonLine } from '../io/jsonl.js';
import { toPromptRecord } from '../io/record.js';
import type { Tagger } from '../tagger/index.js';

/** One input line of `tag` → its output row: the tag, or `{line, id?, error}`. @internal */
export function tagLine(tagger: Tagger, line: number, text: string): { json: string; error: boolean; flagged: boolean } {
  const parsed = parseJsonLine(text);
  if ('error' in parsed) return { json: JSON.stringify({ line, error: parsed.error }), error: true, flagged: false };
  try {
    const result = tagger.tagRecord(toPromptRecord(parsed.value));
    return { json: JSON.stringify({ line, ...result }), error: false, flagged: result.labels.length > 0 };
  } catch (err) {
    const id = (parsed.value as { id?: unknown } | null)?.id;
    return { json: JSON.stringify({ line, ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error: (err as Error).message }), error: true, flagged: false };
  }
}
