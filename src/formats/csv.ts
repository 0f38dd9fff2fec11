/**
 * CSV for spreadsheets (RFC 4180): one row per input line, tagged or not.
 *
 * Columns, in order: `line, id, text, labels, score_reasoning, score_tool_use, score_coding,
 * score_vision, score_censorship_probing, error`.
 * - A tagged prompt fills `line` to the score columns and leaves `error` empty. `labels` is the
 *   predicted labels joined with `|`, or `none`; scores are calibrated probabilities.
 * - A line that could not be read fills `line`, `id` when it was known, and `error`; `text`,
 *   `labels` and the scores are empty. So `error` is empty exactly on tagged rows.
 *
 * Rows end with CRLF. A field is quoted when it holds a quote, comma, CR or LF, with quotes
 * doubled. A text field starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so that
 * Excel, LibreOffice and Google Sheets show it as text instead of running it as a formula
 * (OWASP "CSV injection"); the prompt text in the CSV is therefore not always byte-exact.
 * Spreadsheets cut cells at 32,767 characters; the CSV itself keeps the whole text.
 */
import { LABELS, NONE } from '../tagger/labels.js';
import { promptId, type FailedPrompt, type TaggedPrompt } from './common.js';

/** The CSV columns, in order. */
export const CSV_COLUMNS: readonly string[] = Object.freeze(['line', 'id', 'text', 'labels', ...LABELS.map((l) => `score_${l}`), 'error']);

const EOL = '\r\n';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const row = (cells: ReadonlyArray<string | number | undefined>): string => `${cells.map(cell).join(',')}${EOL}`;

/**
 * The header row, CRLF-terminated. `bom: true` starts it with a UTF-8 byte order mark, which Excel
 * needs to show non-Latin text (Chinese prompts) correctly; leave it off for pandas, csvkit and the like.
 *
 * Example:
 *   csvHeader()
 *   // → 'line,id,text,labels,score_reasoning,score_tool_use,score_coding,score_vision,score_censorship_probing,error\r\n'
 */
export function csvHeader(options: { bom?: boolean } = {}): string {
  return `${options.bom ? '\uFEFF' : ''}${row(CSV_COLUMNS)}`;
}

/**
 * One CSV row, CRLF-terminated: a tagged prompt, or a line that could not be read.
 *
 * Example:
 *   csvRow({ line: 1, id: 'a1', text: 'Think step by step: is 91 prime?', result })
 *   // → '1,a1,Think step by step: is 91 prime?,reasoning,0.93,0.01,0.02,0,0.01,\r\n'
 *   csvRow({ line: 2, error: 'malformed JSON: Unexpected token' })
 *   // → '2,,,,,,,,,malformed JSON: Unexpected token\r\n'
 */
export function csvRow(prompt: TaggedPrompt | FailedPrompt): string {
  if ('error' in prompt) {
    return row([prompt.line, prompt.id, undefined, undefined, ...LABELS.map(() => undefined), prompt.error]);
  }
  const r = prompt.result;
  return row([prompt.line, promptId(prompt), prompt.text, r.labels.length ? r.labels.join('|') : NONE, ...LABELS.map((l) => r.scores[l]), undefined]);
}
