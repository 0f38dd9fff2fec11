import { writeFileSync } from 'node:fs';
import { evaluate, formatReport, type EvalReport } from '../../eval/metrics.js';
import { crossCheckTuning, parseTuneSpec, tuneThresholds, type TunedLabel } from '../../eval/thresholds.js';
import { guessLang } from '../../features/lang.js';
import type { Readable } from 'node:stream';
import { FormatError, rowNumber } from '../../formats/common.js';
import { readGold, type GoldSource } from '../../formats/read.js';
import type { GoldFormat } from '../../formats/sniff.js';
import { toPromptRecord, type PromptRecord } from '../../io/record.js';
import type { Tagger, TagResult } from '../../tagger/index.js';
import type { Label } from '../../tagger/labels.js';
import { round4 } from '../../util/round.js';
import { inputFrom, taggerOptionsFrom } from '../common.js';
import { describeTagging, taggerWithEmbedder, taggingEmbedder } from '../embedder.js';
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
  report?: string;
  format?: string;
  embedder?: string;
  embedBand?: string;
}

/** One evaluated row: where it came from, its gold labels and the tagger's result. */
export interface EvalRow {
  line: number;
  /** Where the row is in its file: `line 3`, or `task 7 (id 12)` in a Label Studio export. */
  where: string;
  id?: string;
  /** The prompt text (as the tagger read it), cut to 600 characters. */
  text: string;
  gold: Label[];
  result: TagResult;
  /** Value of each `--slice` field ("lang" is guessed when the field is absent). */
  slices: Record<string, string>;
}

/** Read a labelled file (any gold format) and tag every readable row; unreadable rows are logged and counted. */
async function evaluateFile(file: string, opts: EvalCliOptions): Promise<{ rows: EvalRow[]; errors: number; tagger: Tagger; tagging: string }> {
  const base = taggerOptionsFrom({ ...(opts.model ? { model: opts.model } : {}), ...(opts.thresholds ? { thresholds: opts.thresholds } : {}), evidence: '5' });
  const choice = taggingEmbedder(opts, (m) => log(`eval: ${m}`));
  const tagger = await taggerWithEmbedder(base, choice);
  const rows: EvalRow[] = [];
  let errors = 0;
  const { stream, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('eval', { totalBytes: inputSize(file) });
  let seen = 0;
  let pending: Array<{ row: Omit<EvalRow, 'result'>; rec: PromptRecord }> = [];
  const flush = async (): Promise<void> => {
    const results = await tagger.tagRecordsAsync(pending.map((p) => p.rec));
    pending.forEach((p, k) => rows.push({ ...p.row, result: results[k] as TagResult }));
    pending = [];
    progress.update(seen, bytes());
  };
  try {
    const gold = await readGoldOrFail(file, stream, opts.format);
    for await (const g of gold.rows) {
      seen++;
      if ('error' in g) {
        errors++;
        log(`eval: ${g.where}: ${g.error}`);
        continue;
      }
      try {
        const rec = toPromptRecord(g.record);
        const slices: Record<string, string> = {};
        for (const spec of opts.slice ?? []) {
          // `FIELD=VALUE` splits the rows in two: that value, and every other.
          const eq = spec.indexOf('=');
          const field = eq < 0 ? spec : spec.slice(0, eq);
          const target = eq < 0 ? undefined : spec.slice(eq + 1);
          const s = g.record[field];
          const value = s === undefined && field === 'lang' ? guessLang(rec.text) : String(s ?? '(missing)');
          slices[spec] = target === undefined || value === target ? value : `not ${target}`;
        }
        const row: Omit<EvalRow, 'result'> = { line: rowNumber(g) ?? seen, where: g.where, text: rec.text.slice(0, 600), gold: g.labels, slices };
        if (rec.id !== undefined) row.id = rec.id;
        pending.push({ row, rec });
        if (pending.length >= 256) await flush();
      } catch (err) {
        errors++;
        log(`eval: ${g.where}: ${(err as Error).message}`);
      }
    }
    if (pending.length) await flush();
  } finally {
    progress.done();
    await choice?.embedder.close();
  }
  return { rows, errors, tagger, tagging: describeTagging(choice) };
}

/** Open gold rows in the format asked for (or sniffed), as a CLI error when the input cannot be read. */
async function readGoldOrFail(file: string, stream: Readable, format: string | undefined): Promise<GoldSource> {
  try {
    return await readGold(file, { stream, ...(format ? { format: format as GoldFormat | 'auto' } : {}) });
  } catch (err) {
    if (err instanceof FormatError) throw new CliError('E_INPUT', err.message);
    throw err;
  }
}

/** Metrics per value of one slice field, values in sorted order. */
function sliceReports(rows: readonly EvalRow[], field: string): Record<string, EvalReport> {
  const byValue = new Map<string, EvalRow[]>();
  for (const r of rows) {
    const v = r.slices[field] as string;
    const list = byValue.get(v);
    if (list) list.push(r);
    else byValue.set(v, [r]);
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
  const { rows, errors, tagger, tagging } = await evaluateFile(file, opts);
  const overall = evaluate(rows.map((r) => r.gold), rows.map((r) => r.result.labels));
  const slices = Object.fromEntries((opts.slice ?? []).map((f) => [f, sliceReports(rows, f)]));
  const tuned = tuneSpec ? writeTuned(rows, tuneSpec, opts.tuneOut ?? 'thresholds.json', file) : undefined;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, errors, tagging, overall, ...(opts.slice?.length ? { slices } : {}), ...(tuned ? { tuned } : {}) })}\n`);
  } else {
    const parts = [formatReport(overall, `${file}: ${overall.n} rows, ${errors} unreadable; tagged with ${tagging}`)];
    for (const [field, reports] of Object.entries(slices)) {
      for (const [value, r] of Object.entries(reports)) parts.push(formatReport(r, `\n${field} = ${value}: ${r.n} rows`));
    }
    if (tuned) parts.push(`\n${formatTuned(tuned)}`);
    process.stdout.write(`${parts.join('\n')}\n`);
  }
  if (opts.report) await writeReport(opts.report, file, rows, errors, tagger, tagging, opts);
  if (errors) log(`eval: ${errors} rows could not be read (see above)`);
}

/** `--report FILE`: the self-contained HTML report (curves, calibration, slices, worst errors). */
async function writeReport(path: string, file: string, rows: readonly EvalRow[], errors: number, tagger: Tagger, tagging: string, opts: EvalCliOptions): Promise<void> {
  const { buildReport, modelInfo, renderReport } = await import('../../report/index.js');
  const thresholds = taggerOptionsFrom({ ...(opts.thresholds ? { thresholds: opts.thresholds } : {}) }).thresholds;
  const source = `${opts.model ?? 'models/tagger'}, ${tagging}`;
  const input = buildReport(rows, {
    file,
    generated: new Date().toISOString(),
    unreadable: errors,
    model: modelInfo(tagger.model, { source, ...(thresholds ? { thresholds } : {}) }),
  });
  try {
    writeFileSync(path, renderReport(input));
  } catch (err) {
    throw new CliError('E_OUTPUT', `cannot write the report to "${path}": ${(err as Error).message}`);
  }
  log(`eval: wrote the report to ${path}`);
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
