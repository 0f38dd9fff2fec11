import { applyCombiner } from '../../batch/index.js';
import { signalsOf } from '../../batch/signals.js';
import { linkBatches } from '../../campaign/link.js';
import { scoringEmbedder } from '../embedder.js';
import { toPromptRecord } from '../../io/record.js';
import { adjustedRandIndex, detectionAtFpr, PlainBaseline, rocAuc } from '../../eval/traffic.js';
import type { SimTruth } from '../../simulate/index.js';
import { combinerFromOptions, inputFrom, taggerFromOptions } from '../common.js';
import { CliError } from '../errors.js';
import { log } from '../output.js';
import { scoreStream } from '../score-stream.js';
import { round4 } from '../../util/round.js';

interface GroupReport {
  accounts: number;
  tprAt1pctFpr: number;
  tprAt01pctFpr: number;
}

interface MethodReport {
  auc: number;
  tprAt1pctFpr: number;
  tprAt01pctFpr: number;
  byVariant: Record<string, GroupReport>;
  byKind: Record<string, GroupReport>;
}

interface TrafficReport {
  file: string;
  accounts: number;
  campaignAccounts: number;
  organicAccounts: number;
  solo: MethodReport;
  linked: MethodReport;
  baseline: MethodReport;
  /** With `--embedder`: the same batches scored by the combiner's semantic heads. */
  semantic?: { embedder: string; solo: MethodReport; linked: MethodReport };
  linkingARI: number;
  worstOrganic: Array<{ batch: string; kind: string; n: number; score: number; level: string; reasons: string[] }>;
}

/**
 * `distillscope eval-score TRAFFIC`: score simulated traffic (with `sim` truth per record) and
 * report ROC-AUC over accounts, detection at 1% and 0.1% false-positive rate overall, per variant
 * and per kind, linking ARI over campaign accounts, the worst-scored organic accounts, and the same
 * figures for a plain baseline (exact-duplicate rate plus shared-first-words rate) in the same run.
 */
export async function runEvalScore(file: string, opts: { by: string; json?: boolean; model?: string; combiner?: string; embedder?: string }): Promise<void> {
  const tagger = taggerFromOptions({ ...(opts.model ? { model: opts.model } : {}), evidence: '0' });
  const combiner = combinerFromOptions(opts.combiner);
  const embedder = await scoringEmbedder(opts.embedder, combiner);
  const baseline = new PlainBaseline();
  let scored;
  try {
    scored = await scoreStream(inputFrom(file), {
      by: opts.by,
      missing: '(none)',
      tagger,
      combiner,
      keepTruth: true,
      onRecord: (batch, record) => baseline.add(batch, toPromptRecord(record).text),
      ...(embedder ? { embedder } : {}),
    });
  } finally {
    await embedder?.close();
  }
  const { truth } = scored;
  // Without the semantic signal: the same batches scored by the plain heads.
  const batches = embedder ? scored.batches.map(({ semantic: _s, ...b }) => ({ ...b, ...applyCombiner(combiner, signalsOf(b)) })) : scored.batches;
  const linked = linkBatches(batches, { combiner }).batches;
  const truths = batches.map((b) => {
    const t = truth.get(b.batch) as SimTruth | undefined;
    if (!t) throw new CliError('E_INPUT', `batch "${b.batch}" has no "sim" ground truth; eval-score needs simulated traffic`);
    return t;
  });
  const y = truths.map((t) => (t.campaign ? 1 : 0));
  const baseByBatch = baseline.scores();
  const baseScores = batches.map((b) => baseByBatch.get(b.batch) as number);

  const report = (scores: number[]): MethodReport => {
    const neg = scores.filter((_, i) => y[i] === 0);
    const group = (pick: (t: SimTruth) => string) => {
      const out: Record<string, { accounts: number; at1: number; at01: number }> = {};
      const t1 = detectionAtFpr([], neg, 0.01).threshold;
      const t01 = detectionAtFpr([], neg, 0.001).threshold;
      truths.forEach((t, i) => {
        if (!t.campaign) return;
        const k = pick(t);
        const e = (out[k] ??= { accounts: 0, at1: 0, at01: 0 });
        e.accounts++;
        if ((scores[i] as number) > t1) e.at1++;
        if ((scores[i] as number) > t01) e.at01++;
      });
      return Object.fromEntries(Object.entries(out).map(([k, e]) => [k, { accounts: e.accounts, tprAt1pctFpr: round4(e.at1 / e.accounts), tprAt01pctFpr: round4(e.at01 / e.accounts) }]));
    };
    const pos = scores.filter((_, i) => y[i] === 1);
    return {
      auc: round4(rocAuc(scores, y)),
      tprAt1pctFpr: round4(detectionAtFpr(pos, neg, 0.01).tpr),
      tprAt01pctFpr: round4(detectionAtFpr(pos, neg, 0.001).tpr),
      byVariant: group((t) => t.variant),
      byKind: group((t) => t.kind),
    };
  };
  const campaignIdx = truths.map((t, i) => (t.campaign ? i : -1)).filter((i) => i >= 0);
  const ari = adjustedRandIndex(
    campaignIdx.map((i) => (truths[i] as SimTruth).campaign),
    campaignIdx.map((i) => linked[i]?.campaign ?? `solo:${batches[i]?.batch}`),
  );
  const worstOrganic = linked
    .map((b, i) => ({ batch: b.batch, kind: (truths[i] as SimTruth).kind, n: b.n, score: b.score, level: b.level, reasons: b.reasons }))
    .filter((_, i) => y[i] === 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, 8);
  const result: TrafficReport = {
    file,
    accounts: batches.length,
    campaignAccounts: campaignIdx.length,
    organicAccounts: batches.length - campaignIdx.length,
    solo: report(batches.map((b) => b.score)),
    linked: report(linked.map((b) => b.score)),
    baseline: report(baseScores),
    linkingARI: round4(ari),
    worstOrganic,
    ...(embedder
      ? { semantic: { embedder: embedder.id, solo: report(scored.batches.map((b) => b.score)), linked: report(linkBatches(scored.batches, { combiner }).batches.map((b) => b.score)) } }
      : {}),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(formatTrafficReport(result));
  log(`eval-score: ${batches.length} accounts`);
}

function formatTrafficReport(r: TrafficReport): string {
  const rows: string[] = [`${r.accounts} accounts: ${r.campaignAccounts} campaign, ${r.organicAccounts} organic`, '', 'method      ROC-AUC  TPR@1%FPR  TPR@0.1%FPR'];
  const methods: Array<[string, MethodReport]> = [['baseline', r.baseline], ['solo', r.solo], ['linked', r.linked]];
  if (r.semantic) methods.push(['solo+sem', r.semantic.solo], ['linked+sem', r.semantic.linked]);
  for (const [name, m] of methods) {
    rows.push(`${name.padEnd(10)} ${m.auc.toFixed(4).padStart(8)} ${m.tprAt1pctFpr.toFixed(3).padStart(10)} ${m.tprAt01pctFpr.toFixed(3).padStart(12)}`);
  }
  rows.push('', `TPR@1%FPR by variant / kind  ${methods.map(([n]) => n.padStart(11)).join('')}`);
  for (const key of ['byVariant', 'byKind'] as const) {
    for (const k of Object.keys(r.linked[key]).sort()) {
      rows.push(`${`${k} (${r.linked[key][k]?.accounts})`.padEnd(29)}${methods.map(([, m]) => (m[key][k]?.tprAt1pctFpr ?? 0).toFixed(3).padStart(11)).join('')}`);
    }
  }
  rows.push('', `linking adjusted Rand index over campaign accounts: ${r.linkingARI.toFixed(3)}`, '', 'worst-scored organic accounts (linked):');
  for (const w of r.worstOrganic) rows.push(`  ${w.batch} ${w.kind} n=${w.n} score=${w.score.toFixed(3)}: ${w.reasons[0] ?? ''}`);
  return `${rows.join('\n')}\n`;
}
