import { evaluate, type EvalReport } from '../eval/metrics.js';
import type { Evidence, TagResult } from '../tagger/index.js';
import { LABELS, type Label } from '../tagger/labels.js';
import type { TaggerModel } from '../tagger/model.js';
import { round4 } from '../util/round.js';
import type { ScoredRow } from './curves.js';

/** The `format` and `version` of `ReportInput`, so a saved report's data says what it is. */
export const REPORT_FORMAT = 'distillscope-report';
export const REPORT_VERSION = 1;

/** One evaluated line: what the file said, and what the tagger returned for it. */
export interface ReportRow {
  /** 1-based line number in the evaluated file. */
  line: number;
  id?: string;
  /** The prompt text (the normalized record text is fine). */
  text: string;
  gold: Label[];
  result: TagResult;
  /** The row's value for each slice field, e.g. `{ lang: 'zh', source: 'arena' }`. */
  slices?: Record<string, string>;
}

/** Which model was evaluated, and the thresholds it decided with. */
export interface ModelInfo {
  name: string;
  thresholds: Record<Label, number>;
}

/** Metrics per value of one slice field. */
export interface ReportSlice {
  field: string;
  values: Record<string, EvalReport>;
}

/** A wrongly tagged row, kept for the labelers to read. */
export interface WorstError {
  line: number;
  id?: string;
  /** The prompt, cut to `textChars` code points (raw: the page escapes it). */
  text: string;
  truncated: boolean;
  gold: Label[];
  predicted: Label[];
  scores: Record<Label, number>;
  evidence: Partial<Record<Label, Evidence[]>>;
  /** The largest |score − gold| over the labels the row got wrong: how confidently wrong it is. */
  severity: number;
}

/** Everything the HTML report shows; plain JSON. */
export interface ReportInput {
  format: typeof REPORT_FORMAT;
  version: typeof REPORT_VERSION;
  /** The evaluated file, as named on the command line. */
  file: string;
  /** When the report was made (ISO 8601); passed in so the page is reproducible. */
  generated: string;
  model: ModelInfo;
  /** Lines that could not be read and are not in the metrics. */
  unreadable: number;
  overall: EvalReport;
  slices: ReportSlice[];
  /** Gold labels and scores of every row, in file order: what the curves are drawn from. */
  scored: ScoredRow[];
  /** The most confidently wrong rows, worst first. */
  worstErrors: WorstError[];
}

/** What `buildReport` needs besides the rows. */
export interface ReportMeta {
  file: string;
  generated: string;
  model: ModelInfo;
  unreadable?: number;
  /** Rows kept in `worstErrors` (default 50). */
  maxErrors?: number;
  /** Code points of prompt text kept per error row (default 600). */
  textChars?: number;
}

/** The slice value of rows that lack the field. */
export const MISSING_SLICE = '(missing)';

/**
 * Build the report data from evaluated rows: metrics, slices, the scores for the curves, and the
 * worst errors.
 *
 * Example:
 *   const r = buildReport([{ line: 1, text: 'Write a Rust parser', gold: ['coding'],
 *     result: { labels: [], scores: { reasoning: 0.1, tool_use: 0, coding: 0.3, vision: 0, censorship_probing: 0 }, evidence: {} } }],
 *     { file: 'dev.jsonl', generated: '2025-01-01T00:00:00Z', model });
 *   r.overall.perClass.coding.recall // → 0
 *   r.worstErrors[0].severity        // → 0.7
 */
export function buildReport(rows: readonly ReportRow[], meta: ReportMeta): ReportInput {
  const gold = rows.map((r) => r.gold);
  const pred = rows.map((r) => r.result.labels);
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    file: meta.file,
    generated: meta.generated,
    model: meta.model,
    unreadable: meta.unreadable ?? 0,
    overall: evaluate(gold, pred),
    slices: sliceReports(rows),
    scored: rows.map((r) => ({ gold: r.gold, scores: r.result.scores })),
    worstErrors: worstErrors(rows, meta.maxErrors ?? 50, meta.textChars ?? 600),
  };
}

/**
 * Model info for the report from a loaded model: its format, version and training corpus, and
 * the thresholds in force (the model's, replaced by any overrides the tagger was created with).
 *
 * Example:
 *   modelInfo(loadModel(defaultModelDir()), { source: 'models/tagger' }).name
 *   // → 'models/tagger (distillscope-tagger v1, corpus f61d176c, 13995 records)'
 */
export function modelInfo(model: TaggerModel, opts: { source?: string; thresholds?: Partial<Record<Label, number>> } = {}): ModelInfo {
  const { manifest } = model;
  const training = manifest.training;
  const facts = [`${manifest.format} v${manifest.version}`];
  if (typeof training['corpusSha256'] === 'string') facts.push(`corpus ${training['corpusSha256'].slice(0, 8)}`);
  if (typeof training['records'] === 'number') facts.push(`${training['records']} records`);
  const thresholds = Object.fromEntries(
    LABELS.map((l) => [l, opts.thresholds?.[l] ?? manifest.heads[l].threshold]),
  ) as Record<Label, number>;
  return { name: opts.source ? `${opts.source} (${facts.join(', ')})` : facts.join(', '), thresholds };
}

function sliceReports(rows: readonly ReportRow[]): ReportSlice[] {
  const fields = [...new Set(rows.flatMap((r) => Object.keys(r.slices ?? {})))];
  return fields.map((field) => {
    const groups = new Map<string, ReportRow[]>();
    for (const r of rows) {
      const value = r.slices?.[field] ?? MISSING_SLICE;
      const group = groups.get(value);
      if (group) group.push(r);
      else groups.set(value, [r]);
    }
    const values: Record<string, EvalReport> = {};
    for (const [value, group] of groups) {
      values[value] = evaluate(group.map((r) => r.gold), group.map((r) => r.result.labels));
    }
    return { field, values };
  });
}

function worstErrors(rows: readonly ReportRow[], max: number, textChars: number): WorstError[] {
  const wrong: WorstError[] = [];
  for (const r of rows) {
    const { labels, scores, evidence } = r.result;
    let severity = -1;
    for (const l of LABELS) {
      const y = r.gold.includes(l) ? 1 : 0;
      if (labels.includes(l) !== (y === 1)) severity = Math.max(severity, Math.abs(scores[l] - y));
    }
    if (severity < 0) continue;
    const chars = Array.from(r.text);
    const truncated = chars.length > textChars;
    wrong.push({
      line: r.line,
      ...(r.id !== undefined ? { id: r.id } : {}),
      text: truncated ? `${chars.slice(0, textChars).join('')}…` : r.text,
      truncated,
      gold: r.gold,
      predicted: labels,
      scores,
      evidence,
      severity: round4(severity),
    });
  }
  return wrong.sort((a, b) => b.severity - a.severity || a.line - b.line).slice(0, max);
}
