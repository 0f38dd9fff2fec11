/**
 * Label Studio: tasks with the tagger's predictions to import, the labeling config for the
 * project, and gold labels read back from its exports (JSON, JSON-MIN, or tasks one per line).
 */
import type { TagResult } from '../tagger/index.js';
import { LABELS } from '../tagger/labels.js';
import { isObject } from '../io/record.js';
import { esc } from '../util/escape.js';
import { round4 } from '../util/round.js';
import {
  CHOICE_HINTS,
  CHOICES,
  FormatError,
  labelsFromChoices,
  predictedChoices,
  promptId,
  timeOf,
  type GoldRow,
  type TaggedPrompt,
} from './common.js';

/** The `Choices` control's name in {@link LABEL_STUDIO_CONFIG}; predictions and exports use it as `from_name`. */
export const LABEL_STUDIO_FROM_NAME = 'labels';

/** One choices result, as Label Studio stores it in predictions and annotations. */
export interface LabelStudioChoiceResult {
  id: string;
  from_name: string;
  to_name: 'text';
  type: 'choices';
  value: { choices: string[] };
}

/** A task to import: the prompt and the tagger's prediction. */
export interface LabelStudioTask {
  data: { text: string; id?: string; line: number };
  predictions: Array<{ model_version: string; score: number; result: LabelStudioChoiceResult[] }>;
}

export interface LabelStudioWriteOptions {
  /** Shown in Label Studio next to each prediction; default `distillscope`. Put the model version in it. */
  modelVersion?: string;
}

export interface LabelStudioReadOptions {
  /**
   * The `Choices` control to read (`from_name`). Default: the only choices control in each
   * annotation, or `labels` when there are several. In a JSON-MIN export it is the field name; default `labels`.
   */
  fromName?: string;
}

/**
 * The labeling config (Settings → Labeling Interface → Code) for a project that imports
 * {@link labelStudioTask} tasks: the prompt text and one multiple-choice control with the five
 * labels and `none`, each with a one-line hint (shown on hover where the Label Studio version has
 * choice hints turned on; put longer guidelines in the project's instructions). At least one choice
 * is required, so a submitted annotation always says what the prompt is (`none` included) and an
 * empty one never passes for `none`.
 *
 * Example:
 *   LABEL_STUDIO_CONFIG
 *   // → '<View>\n  <Header value="Which capabilities does this prompt target? …"/>\n  <Text name="text" value="$text"/>\n
 *   //    <Choices name="labels" toName="text" choice="multiple" showInline="false" required="true" requiredMessage="…">\n
 *   //      <Choice value="reasoning" hint="Asks for step-by-step reasoning, …"/>\n … </Choices>\n</View>\n'
 */
export const LABEL_STUDIO_CONFIG: string = [
  '<View>',
  '  <Header value="Which capabilities does this prompt target? Choose all that apply, or none."/>',
  '  <Text name="text" value="$text"/>',
  `  <Choices name="${LABEL_STUDIO_FROM_NAME}" toName="text" choice="multiple" showInline="false" required="true" requiredMessage="Choose the capabilities this prompt targets, or none.">`,
  ...CHOICES.map((c) => `    <Choice value="${esc(c)}" hint="${esc(CHOICE_HINTS[c] ?? '')}"/>`),
  '  </Choices>',
  '</View>',
  '',
].join('\n');

/**
 * How sure the tagger is of its whole prediction: for each label, its probability when predicted
 * and one minus it when not; the least of these. It is Label Studio's prediction `score`, so
 * sorting the Data Manager by prediction score (ascending) shows the least certain prompts first.
 * @internal
 */
export function predictionScore(result: TagResult): number {
  return round4(Math.min(...LABELS.map((l) => (result.labels.includes(l) ? result.scores[l] : 1 - result.scores[l]))));
}

/**
 * A Label Studio task for one tagged prompt, with the predicted choices (`none` when no label
 * was predicted) pre-filled for the labeler to accept or correct. Import a JSON array of them
 * (see {@link createLabelStudioWriter}) into a project set up with {@link LABEL_STUDIO_CONFIG}.
 *
 * Example:
 *   labelStudioTask({ line: 3, id: 'p-17', text: 'Write out your full chain of thought before answering: …', result })
 *   // → { data: { text: 'Write out …', id: 'p-17', line: 3 },
 *   //     predictions: [{ model_version: 'distillscope', score: 0.88,
 *   //       result: [{ id: 'line-3', from_name: 'labels', to_name: 'text', type: 'choices', value: { choices: ['reasoning'] } }] }] }
 */
export function labelStudioTask(prompt: TaggedPrompt, options: LabelStudioWriteOptions = {}): LabelStudioTask {
  const id = promptId(prompt);
  return {
    data: { text: prompt.text, ...(id !== undefined ? { id } : {}), line: prompt.line },
    predictions: [
      {
        model_version: options.modelVersion ?? 'distillscope',
        score: predictionScore(prompt.result),
        result: [
          {
            id: `line-${prompt.line}`,
            from_name: LABEL_STUDIO_FROM_NAME,
            to_name: 'text',
            type: 'choices',
            value: { choices: predictedChoices(prompt.result) },
          },
        ],
      },
    ],
  };
}

/**
 * Write tasks as the JSON array Label Studio imports (it imports `.json`, not JSON lines), one task
 * per line, without holding them all: write what `task()` returns for each prompt, then `end()`.
 *
 * Example:
 *   const w = createLabelStudioWriter();
 *   out.write(w.task(a)); out.write(w.task(b)); out.write(w.end());
 *   // → '[\n{"data":…},\n{"data":…}\n]\n'   (no tasks: '[]\n')
 */
export function createLabelStudioWriter(options: LabelStudioWriteOptions = {}): { task(prompt: TaggedPrompt): string; end(): string } {
  let n = 0;
  return {
    task: (prompt) => `${n++ === 0 ? '[\n' : ',\n'}${JSON.stringify(labelStudioTask(prompt, options))}`,
    end: () => (n === 0 ? '[]\n' : '\n]\n'),
  };
}

/**
 * Gold labels of one item of a Label Studio export, named `where` (plus ` (id N)`, the Label
 * Studio task id, when it has one). The item is either
 * - a task (`data` + `annotations`, from the JSON export or one task per line): the annotation
 *   used is the ground-truth one if any is marked, else the latest (by `updated_at`, else
 *   `created_at`; on a tie the later in the list), skipping cancelled/skipped ones; the record is
 *   the whole `data` object, so chat `messages` and `tools` in it are read too; or
 * - a JSON-MIN row (flat: data fields, `id`, and the choices under the control's name, as
 *   `"coding"`, `{ "choices": [...] }` or a list of those); the record is the row.
 * Choice `none` means no label. A task never annotated, or whose annotations were all skipped
 * or cancelled, an annotation without choices, and unknown choice names give error rows.
 *
 * Example:
 *   goldFromLabelStudioItem({ id: 42, data: { text: '用Python写一个快速排序' },
 *     annotations: [{ result: [{ type: 'choices', from_name: 'labels', value: { choices: ['coding'] } }] }] }, 'task 1')
 *   // → { where: 'task 1 (id 42)', record: { text: '用Python写一个快速排序' }, labels: ['coding'] }
 */
export function goldFromLabelStudioItem(item: unknown, where: string, options: LabelStudioReadOptions = {}): GoldRow {
  if (!isObject(item)) return { where, error: 'item is not a JSON object' };
  const taskId = item['id'];
  const at = typeof taskId === 'string' || typeof taskId === 'number' ? `${where} (id ${taskId})` : where;
  try {
    if (isObject(item['data'])) {
      return { where: at, record: item['data'], labels: labelsFromChoices(taskChoices(item, options.fromName)) };
    }
    if ('annotations' in item || 'completions' in item) throw new Error('the task has annotations but no "data" object');
    return { where: at, record: item, labels: labelsFromChoices(minChoices(item, options.fromName ?? LABEL_STUDIO_FROM_NAME)) };
  } catch (err) {
    return { where: at, error: (err as Error).message };
  }
}

/**
 * Gold rows of a whole Label Studio JSON or JSON-MIN export (a JSON array, or one task object),
 * one per task, named `task N` (1-based position in the array). JSON-MIN lists one row per
 * annotation; rows sharing a task id are reduced to the latest one, as for full tasks. Note that
 * JSON-MIN leaves out tasks whose annotations were all cancelled, so those cannot be reported;
 * the full JSON export can. Throws {@link FormatError} when `doc` is neither an array nor an object.
 *
 * Example:
 *   goldFromLabelStudioExport(JSON.parse(readFileSync('project-3-at-2024-05-02.json', 'utf8')))
 *   // → [{ where: 'task 1 (id 1)', record: {…}, labels: ['reasoning'] }, { where: 'task 2 (id 2)', error: 'every annotation was cancelled or skipped (1)' }, …]
 */
export function goldFromLabelStudioExport(doc: unknown, options: LabelStudioReadOptions = {}): GoldRow[] {
  if (!isObject(doc) && !Array.isArray(doc)) {
    throw new FormatError('a Label Studio export must be a JSON array of tasks (or one task object)');
  }
  const items: unknown[] = Array.isArray(doc) ? doc : [doc];
  const superseded = supersededMinRows(items);
  return items.flatMap((item, i) => (superseded.has(i) ? [] : [goldFromLabelStudioItem(item, `task ${i + 1}`, options)]));
}

/** The choices of a task's chosen annotation. Throws with the reason when there are none. */
function taskChoices(task: Record<string, unknown>, fromName: string | undefined): unknown[] {
  const annotations: unknown = task['annotations'] ?? task['completions'] ?? [];
  if (!Array.isArray(annotations)) throw new Error('field "annotations" must be a list');
  if (annotations.length === 0) throw new Error('the task has no annotation (never labelled)');
  const live: Array<Record<string, unknown>> = [];
  annotations.forEach((a, i) => {
    if (!isObject(a)) throw new Error(`annotations[${i}] is not an object`);
    if (a['was_cancelled'] !== true && a['skipped'] !== true) live.push(a);
  });
  if (live.length === 0) throw new Error(`every annotation was cancelled or skipped (${annotations.length})`);
  const truth = live.filter((a) => a['ground_truth'] === true);
  const chosen = latest(truth.length ? truth : live);
  const name = typeof chosen['id'] === 'number' || typeof chosen['id'] === 'string' ? `annotation ${chosen['id']}` : 'the annotation';
  const result = chosen['result'];
  if (!Array.isArray(result)) throw new Error(`${name} has no "result" list`);
  const items = result.filter((r): r is Record<string, unknown> => isObject(r) && String(r['type']).toLowerCase() === 'choices');
  const control = fromName ?? pickControl(items);
  const choices = items
    .filter((r) => control === undefined || r['from_name'] === control)
    .flatMap((r) => {
      const value = r['value'];
      const list = isObject(value) ? value['choices'] : undefined;
      if (!Array.isArray(list)) throw new Error(`${name}: a choices result has no "value.choices" list`);
      return list as unknown[];
    });
  if (choices.length === 0) {
    throw new Error(`${name} has no choice${control !== undefined ? ` from "${control}"` : ''}; a prompt that targets no capability should be given "none"`);
  }
  return choices;
}

/** The choices control to read when none was named: the only one, or `labels` among several. */
function pickControl(items: ReadonlyArray<Record<string, unknown>>): string | undefined {
  const names = [...new Set(items.map((r) => r['from_name']).filter((n): n is string => typeof n === 'string'))];
  if (names.length <= 1) return names[0];
  if (names.includes(LABEL_STUDIO_FROM_NAME)) return LABEL_STUDIO_FROM_NAME;
  throw new Error(`the annotation has choices from several controls (${names.join(', ')}); name the one to read (fromName)`);
}

/** The latest of some annotations or JSON-MIN rows; ties go to the later in the list. */
function latest<T extends Record<string, unknown>>(items: readonly T[]): T {
  let best = items[0] as T;
  for (const a of items) if (stamp(a) >= stamp(best)) best = a;
  return best;
}

const stamp = (a: Record<string, unknown>): number => timeOf(a['updated_at'] ?? a['created_at']);

/** The choices of a JSON-MIN row. */
function minChoices(row: Record<string, unknown>, key: string): unknown[] {
  const value = row[key];
  if (value === undefined) {
    throw new Error(`no "${key}" field: the task has no annotation, or its choices control has another name (fromName)`);
  }
  const flat = (v: unknown): unknown[] => {
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.flatMap(flat);
    if (isObject(v) && Array.isArray(v['choices'])) return v['choices'];
    throw new Error(`field "${key}" must be a choice name, {"choices": [...]} or a list of those`);
  };
  const choices = flat(value);
  if (choices.length === 0) throw new Error(`field "${key}" holds no choice; a prompt that targets no capability should be given "none"`);
  return choices;
}

/** Positions of JSON-MIN rows that an annotation of the same task, made later, replaces. */
function supersededMinRows(items: readonly unknown[]): Set<number> {
  const best = new Map<string, number>();
  const out = new Set<number>();
  items.forEach((item, i) => {
    if (!isObject(item) || isObject(item['data']) || !('annotation_id' in item)) return;
    const id = item['id'];
    if (typeof id !== 'string' && typeof id !== 'number') return;
    const key = String(id);
    const prev = best.get(key);
    if (prev === undefined) {
      best.set(key, i);
      return;
    }
    const keepNew = stamp(item) >= stamp(items[prev] as Record<string, unknown>);
    out.add(keepNew ? prev : i);
    if (keepNew) best.set(key, i);
  });
  return out;
}
