/**
 * Which gold format a file is in, from its first bytes.
 */
import { isObject } from '../io/record.js';

/** The gold-label formats `readGold` reads. */
export type GoldFormat = 'jsonl' | 'labelstudio' | 'prodigy';

/** The gold-label formats, for validation and help texts. */
export const GOLD_FORMATS: readonly GoldFormat[] = Object.freeze(['jsonl', 'labelstudio', 'prodigy'] as const);

/** What the start of a file says: its format, and whether it is one JSON document (read whole) or JSON lines. @internal */
export interface HeadShape {
  format: GoldFormat;
  document: boolean;
}

const PRODIGY_ANSWERS: readonly unknown[] = ['accept', 'reject', 'ignore'];

function classify(v: Record<string, unknown>): GoldFormat {
  if (isObject(v['data']) || Array.isArray(v['annotations']) || Array.isArray(v['completions']) || 'annotation_id' in v) return 'labelstudio';
  if (PRODIGY_ANSWERS.includes(v['answer']) || '_task_hash' in v || '_input_hash' in v) return 'prodigy';
  return 'jsonl';
}

// For a first line too long to read whole (over 16 MiB): only markers that a prompt record's own
// fields are unlikely to contain (an Anthropic image part has "data", a QA record has "answer").
const LS_MARKER = /(?<!\\)"(?:annotations|completions)"\s*:\s*\[/;
const PRODIGY_MARKER = /(?<!\\)"(?:answer"\s*:\s*"(?:accept|reject|ignore)"|_task_hash"|_input_hash")/;

/** @internal */
export function headShape(head: string): HeadShape {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[')) return { format: 'labelstudio', document: true };
  if (!text.startsWith('{')) return { format: 'jsonl', document: false };
  const nl = text.indexOf('\n');
  const first = (nl === -1 ? text : text.slice(0, nl)).trim();
  // A pretty-printed object (Label Studio can export a single task that way) opens with a lone brace.
  if (first === '{') return { format: 'labelstudio', document: true };
  try {
    const value: unknown = JSON.parse(first);
    return { format: isObject(value) ? classify(value) : 'jsonl', document: false };
  } catch {
    const format = LS_MARKER.test(text) ? 'labelstudio' : PRODIGY_MARKER.test(text) ? 'prodigy' : 'jsonl';
    return { format, document: false };
  }
}

/**
 * Guess the gold format from the start of a file (its first line is enough):
 * - `labelstudio`: a JSON array (JSON or JSON-MIN export), or lines with a `data` object,
 *   `annotations` or `annotation_id`;
 * - `prodigy`: lines with `answer` accept/reject/ignore, or Prodigy's `_input_hash` / `_task_hash`;
 * - `jsonl`: anything else, i.e. distillscope's own `{ text | prompt | messages, labels }` lines.
 *
 * Example:
 *   sniffGoldFormat('[\n  {"id": 1, "annotations": [')                               // → 'labelstudio'
 *   sniffGoldFormat('{"text":"Is 7 prime?","accept":["reasoning"],"answer":"accept"}\n') // → 'prodigy'
 *   sniffGoldFormat('{"text":"Sort this list in Rust","labels":["coding"]}\n')           // → 'jsonl'
 */
export function sniffGoldFormat(head: string): GoldFormat {
  return headShape(head).format;
}
