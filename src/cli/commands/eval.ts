import { writeFileSync } from 'node:fs';
import { evaluate, formatReport, type EvalReport } from '../../eval/metrics.js';
import { crossCheckTuning, parseTuneSpec, tuneThresholds, type TunedLabel } from '../../eval/thresholds.js';
import { guessLang } from '../../features/lang.js';
import { readJsonLines } from '../../io/jsonl.js';
import { toPromptRecord } from '../../io/record.js';
import type { TagResult } from '../../tagger/index.js';
import type { Label } from '../../tagger/labels.js';
import { readGoldLabels } from '../../train/data.js';
import { round4 } from '../../util/round.js';
import { inputFrom, taggerFromOptions } from '../common.js';
import { CliError } from '../errors.js';
import { log } from '../output.js';
import { countBytes, inputSize, Progress } from '../progress.js';

export interface EvalCliOptions {
  model?: string;
  json?: boolean;
  slice?: string[];
  thresholds?: string;
  tune?: string;
  tuneOut?: string;
}

/** One evaluated row: where it came from, its gold labels and the tagger's result. */
export interface EvalRow {
  line: number;
  id?: string;
  /** The prompt text (as the tagger read it), cut to 600 characters. */
  text: string;
  gold: Label[];
  result: TagResult;
  /** Value of each `--slice` field ("lang" is guessed when the field is absent). */
  slices: Record<string, string>;
}

/** Read a labelled file and tag every readable row; unreadable rows are logged and counted. */
async function evaluateFile(file: string, opts: EvalCliOptions): Promise<{ rows: EvalRow[]; errors: number }> {
  const tagger = taggerFromOptions({ ...(opts.model ? { model: opts.model } : {}), ...(opts.thresholds ? { thresholds: opts.thresholds } : {}), evidence: '5' });
  const rows: EvalRow[] = [];
  let errors = 0;
  const { stream, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('eval', { totalBytes: inputSize(file) });
  let lines = 0;
  for await (const l of readJsonLines(stream)) {
    progress.update(++lines, bytes());
    const fail = (msg: string): void => {
      errors++;
      log(`eval: line ${l.line}: ${msg}`);
    };
    if ('error' in l) {
      fail(l.error);
      continue;
    }
    try {
      const v = l.value as Record<string, unknown>;
      const gold = readGoldLabels(v);
      const rec = toPromptRecord(v);
      const slices: Record<string, string> = {};
      for (const field of opts.slice ?? []) {
        const s = v[field];
        slices[field] = s === undefined && field === 'lang' ? guessLang(rec.text) : String(s ?? '(missing)');
      }
      const row: EvalRow = { line: l.line, text: rec.text.slice(0, 600), gold, result: tagger.tagRecord(rec), slices };
      if (rec.id !== undefined) row.id = rec.id;
      rows.push(row);
    } catch (err) {
      fail((err as Error).message);
    }
  }
  progress.done();
  return { rows, errors };
}

/** Metrics per value of one slice field, values in sorted order. */
function sliceReports(rows: readonly EvalRow[], field: string): Record<string, EvalReport> {
  const byValue = new Map<string, EvalRow[]>();
  for (const r of rows) {
    const v = r.slices[field] as string;
    byValue.set(v, [...(byValue.get(v) ?? []), r]);
  }
  const out: Record<string, EvalReport> = {};
  for (const v of [...byValue.keys()].sort()) {
    const rs = byValue.get(v) as EvalRow[];
    out[v] = evaluate(rs.map((r) => r.gold), rs.map((r) => r.result.labels));
  }
  return out;
}

/** `distillscope eval FILE`: score the tagger against gold labels. */
export async function runEval(file: string, opts: EvalCliOptions): Promise<void> {
  const tuneSpec = opts.tune === undefined ? undefined : parseTune(opts.tune);
  const { rows, errors } = await evaluateFile(file, opts);
  const overall = evaluate(rows.map((r) => r.gold), rows.map((r) => r.result.labels));
  const slices = Object.fromEntries((opts.slice ?? []).map((f) => [f, sliceReports(rows, f)]));
  const tuned = tuneSpec ? writeTuned(rows, tuneSpec, opts.tuneOut ?? 'thresholds.json', file) : undefined;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, errors, overall, ...(opts.slice?.length ? { slices } : {}), ...(tuned ? { tuned } : {}) })}\n`);
  } else {
    const parts = [formatReport(overall, `${file}: ${overall.n} rows, ${errors} unreadable`)];
    for (const [field, reports] of Object.entries(slices)) {
      for (const [value, r] of Object.entries(reports)) parts.push(formatReport(r, `\n${field} = ${value}: ${r.n} rows`));
    }
    if (tuned) parts.push(`\n${formatTuned(tuned)}`);
    process.stdout.write(`${parts.join('\n')}\n`);
  }
  if (errors) log(`eval: ${errors} lines could not be read (see above)`);
}

function parseTune(spec: string): ReturnType<typeof parseTuneSpec> {
  try {
    return parseTuneSpec(spec);
  } catch (err) {
    throw new CliError('E_USAGE', `--tune: ${(err as Error).message}`);
  }
}

type TunedOut = Partial<Record<Label, TunedLabel & { heldOut: { precision: number; recall: number } }>>;

/** Tune thresholds on the evaluated rows, write them where `tag --thresholds` reads them, and return them. */
function writeTuned(rows: readonly EvalRow[], spec: ReturnType<typeof parseTuneSpec>, out: string, file: string): TunedOut {
  const scored = { scores: rows.map((r) => r.result.scores), gold: rows.map((r) => r.gold) };
  const tuned = tuneThresholds(scored, spec);
  const held = crossCheckTuning(scored, spec);
  const result: TunedOut = {};
  for (const [label, t] of Object.entries(tuned) as Array<[Label, TunedLabel]>) {
    const h = held[label] ?? { precision: 0, recall: 0 };
    result[label] = { ...t, threshold: round4(t.threshold), precision: round4(t.precision), recall: round4(t.recall), heldOut: { precision: round4(h.precision), recall: round4(h.recall) } };
  }
  const thresholds = Object.fromEntries(Object.entries(result).map(([l, t]) => [l, t.threshold]));
  const doc = { thresholds, tunedOn: { file, rows: rows.length }, detail: result };
  try {
    writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (err) {
    throw new CliError('E_OUTPUT', `cannot write thresholds to "${out}": ${(err as Error).message}`);
  }
  log(`eval: wrote tuned thresholds to ${out} (use: distillscope tag --thresholds ${out})`);
  return result;
}

function formatTuned(tuned: TunedOut): string {
  const f = (x: number): string => x.toFixed(3);
  const lines = ['tuned thresholds   target           threshold  precision  recall   held-out precision  recall'];
  for (const [label, t] of Object.entries(tuned)) {
    const target = `${t.target.metric}>=${t.target.value}${t.reached ? '' : ' (unmet)'}`;
    lines.push(`${label.padEnd(18)} ${target.padEnd(16)} ${f(t.threshold).padStart(9)}  ${f(t.precision).padStart(9)}  ${f(t.recall)}    ${f(t.heldOut.precision).padStart(17)}  ${f(t.heldOut.recall)}`);
  }
  lines.push('(held-out: tuned on one half of the rows, measured on the other, both ways)');
  return lines.join('\n');
}
