/**
 * Shapes shared by the labelers' formats: what the writers take (a tagged prompt, or a line that
 * could not be read), what the gold readers give back, and how choice names become labels.
 */
import type { TagResult } from '../tagger/index.js';
import { isLabel, LABELS, NONE, type Label } from '../tagger/labels.js';

/** A prompt the tagger read: its 1-based input line, its id if it had one, its text and its tag. */
export interface TaggedPrompt {
  line: number;
  /** The record's id; when absent, the tag's own `id` is used. */
  id?: string;
  /** The prompt text as read (for chat records, the messages joined). */
  text: string;
  result: TagResult;
}

/** An input line that could not be read or tagged, and why. */
export interface FailedPrompt {
  line: number;
  id?: string;
  error: string;
}

/**
 * One row of gold labels read back from a labeler's export: the record (anything
 * `toPromptRecord` reads: `text`, `prompt` or `messages`, plus `id`, `tools`…) and its labels, or
 * why the row gives no gold labels. `where` names the row: `line 3`, `task 7 (id 1042)`.
 */
export type GoldRow = { where: string; record: Record<string, unknown>; labels: Label[] } | { where: string; error: string };

/**
 * The number in a gold row's `where`: its line, or its task's place in a Label Studio export.
 * @internal
 *
 * Example:
 *   rowNumber({ where: 'task 7 (id 1042)', error: 'no choice' }) // → 7
 */
export function rowNumber(row: GoldRow): number | undefined {
  const m = /^(?:line|task) (\d+)/.exec(row.where);
  return m ? Number(m[1]) : undefined;
}

/** The choices offered to labelers, in order: every label, then `none`. */
export const CHOICES: readonly string[] = Object.freeze([...LABELS, NONE]);

/** One-line guidance per choice, shown to labelers (Label Studio hints). */
export const CHOICE_HINTS: Readonly<Record<string, string>> = Object.freeze({
  reasoning: 'Asks for step-by-step reasoning, a written-out chain of thought, or grading against a rubric.',
  tool_use: 'Defines tools or functions, or asks for tool calls, ReAct steps or an agent trace.',
  coding: 'Asks to write, fix, explain, translate or review code.',
  vision: 'Contains an image, or asks about one.',
  censorship_probing: 'Probes politically sensitive or censored topics, or asks for a censorship-safe rewrite.',
  none: 'Targets none of the capabilities above: an ordinary prompt.',
});

/** A gold file or export that cannot be read at all (as opposed to one bad row). */
export class FormatError extends Error {
  readonly code = 'E_FORMAT';
  constructor(message: string) {
    super(`distillscope: ${message}`);
    this.name = 'FormatError';
  }
}

/** The id a writer prints for a prompt: the record's, else the tag's. @internal */
export function promptId(p: TaggedPrompt): string | undefined {
  return p.id ?? p.result.id;
}

/** The choices a writer pre-selects: the predicted labels, or `none`. @internal */
export function predictedChoices(result: TagResult): string[] {
  return result.labels.length ? [...result.labels] : [NONE];
}

/**
 * Turn the choice names a labeler picked into labels. Names match case-insensitively
 * (`REASONING` from a Prodigy `--label REASONING` recipe is `reasoning`); `none` means no label.
 * Throws an Error naming the problem for an unknown name, or for `none` picked together with labels.
 *
 * Example:
 *   labelsFromChoices(['Coding', 'reasoning', 'coding']) // → ['coding', 'reasoning']
 *   labelsFromChoices(['none'])                          // → []
 *   labelsFromChoices(['math'])  // throws: unknown label "math"; allowed: reasoning, tool_use, coding, vision, censorship_probing, none
 */
export function labelsFromChoices(names: readonly unknown[]): Label[] {
  const labels: Label[] = [];
  let none = false;
  for (const raw of names) {
    const name = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
    if (name === NONE) none = true;
    else if (isLabel(name)) {
      if (!labels.includes(name)) labels.push(name);
    } else throw new Error(`unknown label ${JSON.stringify(raw)}; allowed: ${CHOICES.join(', ')}`);
  }
  if (none && labels.length) {
    throw new Error(`"none" was chosen together with ${labels.join(', ')}; choose either "none" or labels`);
  }
  return labels;
}

/** Epoch milliseconds of an ISO timestamp field, or -Infinity when missing or unreadable. @internal */
export function timeOf(v: unknown): number {
  const t = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(t) ? t : -Infinity;
}
