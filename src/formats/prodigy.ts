/**
 * Prodigy: choice tasks with the tagger's predictions pre-selected, and gold labels read back
 * from `prodigy db-out` (choice and binary annotations).
 */
import { createHash } from 'node:crypto';
import { NONE, type Label } from '../tagger/labels.js';
import { isObject } from '../io/record.js';
import { CHOICES, labelsFromChoices, predictedChoices, promptId, type GoldRow, type TaggedPrompt } from './common.js';

/** A Prodigy task for the `choice` interface. */
export interface ProdigyTask {
  text: string;
  options: Array<{ id: string; text: string }>;
  /** The pre-selected option ids: the predicted labels, or `none`. */
  accept: string[];
  /** Shown in the corner of the card. */
  meta: { line: number; id?: string; scores: Record<Label, number> };
  /** Lets the labeler select several options whatever the recipe's default. */
  config: { choice_style: 'multiple' };
  _input_hash?: number;
  _task_hash?: number;
}

export interface ProdigyWriteOptions {
  /**
   * Add `_input_hash` (from the text) and `_task_hash` (from the text and the options), so the
   * same prompt gets the same hashes in every export and Prodigy skips prompts already annotated
   * in the dataset. They are distillscope's own 32-bit hashes, not the ones Prodigy would compute.
   * Default false: Prodigy hashes tasks itself when it loads them.
   */
  hashes?: boolean;
}

const OPTIONS = CHOICES.map((c) => ({ id: c, text: c }));

const hash32 = (s: string): number => createHash('sha256').update(s).digest().readInt32LE(0);

/**
 * A Prodigy choice task for one tagged prompt, with the predicted labels (or `none`) selected.
 * Write one per line and annotate with e.g. `prodigy mark capabilities tasks.jsonl --view-id choice`.
 *
 * Example:
 *   prodigyTask({ line: 4, text: 'Call get_weather for Paris, then summarise.', result }, { hashes: true })
 *   // → { text: 'Call get_weather …', options: [{ id: 'reasoning', text: 'reasoning' }, …, { id: 'none', text: 'none' }],
 *   //     accept: ['tool_use'], meta: { line: 4, scores: { reasoning: 0.08, tool_use: 0.97, … } },
 *   //     config: { choice_style: 'multiple' }, _input_hash: -1729569103, _task_hash: 829959794 }
 */
export function prodigyTask(prompt: TaggedPrompt, options: ProdigyWriteOptions = {}): ProdigyTask {
  const id = promptId(prompt);
  const task: ProdigyTask = {
    text: prompt.text,
    options: OPTIONS.map((o) => ({ ...o })),
    accept: predictedChoices(prompt.result),
    meta: { line: prompt.line, ...(id !== undefined ? { id } : {}), scores: { ...prompt.result.scores } },
    config: { choice_style: 'multiple' },
  };
  if (options.hashes) {
    const input = hash32(`text\n${prompt.text}`);
    task._input_hash = input;
    task._task_hash = hash32(`${input}\n${CHOICES.join('\n')}`);
  }
  return task;
}

/**
 * Gold labels of one annotated Prodigy example (a line of `prodigy db-out`), named `where`.
 * - Choice example (`options` or `accept`): `answer: "accept"` gives the ids in `accept`
 *   (`none` = no label; ids match case-insensitively, so `REASONING` works). An empty `accept` is
 *   no label only when the options offer no `none`; with a `none` option it is an error, since
 *   the labeler chose nothing. `answer: "reject"` is an error: in a choice task it flags the example
 *   itself as unusable, so whatever was selected is not a label set.
 * - Binary example (`label`, no options): accept gives `[label]`; reject is an error, as it says
 *   what the label is not and not the full label set.
 * - `answer: "ignore"` (skipped) and a missing answer (a task, not an annotation) are errors.
 * The record is the example itself; `meta.id` becomes its `id` when it has none.
 *
 * Example:
 *   goldFromProdigy({ text: 'Describe this chart', options: [...], accept: ['vision'], answer: 'accept' }, 'line 7')
 *   // → { where: 'line 7', record: { text: 'Describe this chart', … }, labels: ['vision'] }
 *   goldFromProdigy({ text: 'Is 97 prime?', label: 'REASONING', answer: 'reject' }, 'line 8')
 *   // → { where: 'line 8', error: 'a rejected binary annotation says what the label is not; it does not give the full label set' }
 */
export function goldFromProdigy(example: unknown, where: string): GoldRow {
  if (!isObject(example)) return { where, error: 'line is not a JSON object' };
  try {
    return { where, record: recordOf(example), labels: labelsOf(example) };
  } catch (err) {
    return { where, error: (err as Error).message };
  }
}

function labelsOf(ex: Record<string, unknown>): Label[] {
  const answer = ex['answer'];
  if (answer === undefined) throw new Error('no "answer": this is a task, not an annotation (export annotations with prodigy db-out)');
  if (answer === 'ignore') throw new Error('the annotator skipped this example (answer "ignore")');
  if (answer !== 'accept' && answer !== 'reject') throw new Error(`"answer" must be accept, reject or ignore, received ${JSON.stringify(answer)}`);
  if (ex['options'] !== undefined || ex['accept'] !== undefined) {
    const accept = ex['accept'] ?? [];
    if (!Array.isArray(accept)) throw new Error('field "accept" must be a list of option ids');
    if (answer === 'reject') {
      const selected = accept.length ? ` (its selection ${JSON.stringify(accept)} is not used)` : '';
      throw new Error(`the annotator rejected the example (answer "reject"): in a choice task that marks the example as unusable, not a label set${selected}`);
    }
    if (accept.length === 0 && offersNone(ex['options'])) {
      throw new Error('accepted with no option selected; a prompt that targets no capability should be given "none"');
    }
    return labelsFromChoices(accept);
  }
  const label = ex['label'];
  if (typeof label !== 'string') throw new Error('neither "accept" (choice annotation) nor a "label" string (binary annotation)');
  if (answer === 'reject') throw new Error('a rejected binary annotation says what the label is not; it does not give the full label set');
  return labelsFromChoices([label]);
}

function offersNone(options: unknown): boolean {
  return Array.isArray(options) && options.some((o) => isObject(o) && typeof o['id'] === 'string' && o['id'].toLowerCase() === NONE);
}

function recordOf(ex: Record<string, unknown>): Record<string, unknown> {
  const meta = ex['meta'];
  const metaId = isObject(meta) ? meta['id'] : undefined;
  if (ex['id'] === undefined && (typeof metaId === 'string' || typeof metaId === 'number')) return { ...ex, id: metaId };
  return ex;
}
