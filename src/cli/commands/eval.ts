import { evaluate, formatReport, type EvalReport } from '../../eval/metrics.js';
import { guessLang } from '../../features/lang.js';
import { readJsonLines } from '../../io/jsonl.js';
import { toPromptRecord } from '../../io/record.js';
import type { Label } from '../../tagger/labels.js';
import { readGoldLabels } from '../../train/data.js';
import { inputFrom, taggerFromOptions } from '../common.js';
import { log } from '../output.js';

export interface EvalCliOptions {
  model?: string;
  json?: boolean;
  slice?: string;
}

/** `distillscope eval FILE`: score the tagger against gold labels. */
export async function runEval(file: string, opts: EvalCliOptions): Promise<void> {
  const tagger = taggerFromOptions({ ...(opts.model ? { model: opts.model } : {}), evidence: '0' });
  const gold: Label[][] = [];
  const pred: Label[][] = [];
  const sliceOf: string[] = [];
  let errors = 0;
  for await (const l of readJsonLines(inputFrom(file))) {
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
      const labels = readGoldLabels(v);
      const rec = toPromptRecord(v);
      pred.push(tagger.tagRecord(rec).labels);
      gold.push(labels);
      if (opts.slice) {
        const s = v[opts.slice];
        sliceOf.push(s === undefined && opts.slice === 'lang' ? guessLang(rec.text) : String(s ?? '(missing)'));
      }
    } catch (err) {
      fail((err as Error).message);
    }
  }
  const overall = evaluate(gold, pred);
  const slices: Record<string, EvalReport> = {};
  if (opts.slice) {
    const values = [...new Set(sliceOf)].sort();
    for (const value of values) {
      const idx = sliceOf.map((s, i) => (s === value ? i : -1)).filter((i) => i >= 0);
      slices[value] = evaluate(idx.map((i) => gold[i] as Label[]), idx.map((i) => pred[i] as Label[]));
    }
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ file, errors, overall, ...(opts.slice ? { slice: opts.slice, slices } : {}) })}\n`);
  } else {
    const parts = [formatReport(overall, `${file}: ${overall.n} rows, ${errors} unreadable`)];
    for (const [value, r] of Object.entries(slices)) parts.push(formatReport(r, `\n${opts.slice} = ${value}: ${r.n} rows`));
    process.stdout.write(`${parts.join('\n')}\n`);
  }
  if (errors) log(`eval: ${errors} lines could not be read (see above)`);
}
