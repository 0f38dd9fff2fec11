import { linkBatches } from '../../campaign/link.js';
import { combinerFromOptions, inputFrom, intOption, taggerFromOptions } from '../common.js';
import { countBytes, inputSize, Progress } from '../progress.js';
import { scoreParallel } from '../score-parallel.js';
import { scoringEmbedder } from '../embedder.js';
import { LineWriter, log } from '../output.js';
import { scoreStream } from '../score-stream.js';

export interface ScoreCliOptions {
  by: string;
  workers: string;
  link?: boolean;
  missing: string;
  model?: string;
  combiner?: string;
  embedder?: string;
}

/** `distillscope score [FILE] --by FIELD [--link]`: one JSON line per batch. */
export async function runScore(file: string | undefined, opts: ScoreCliOptions): Promise<void> {
  const workers = intOption('workers', opts.workers);
  const { stream: input, bytes } = countBytes(inputFrom(file));
  const progress = new Progress('score', { totalBytes: inputSize(file) });
  const onLine = (n: number): void => progress.update(n, bytes());
  const modelOpts = { ...(opts.model ? { model: opts.model } : {}), ...(opts.combiner ? { combiner: opts.combiner } : {}) };
  // Load the models here first, so a bad path fails with a clear error before any thread starts.
  const tagger = taggerFromOptions({ ...(opts.model ? { model: opts.model } : {}), evidence: '0' });
  const combiner = combinerFromOptions(opts.combiner);
  const embedder = await scoringEmbedder(opts.embedder, combiner);
  let result;
  try {
    // The semantic signal embeds each batch's sample on the encoder's own threads: tagging stays on this one.
    result =
      workers > 0 && !embedder
        ? await scoreParallel(input, { by: opts.by, missing: opts.missing, workers, onLine, ...modelOpts })
        : await scoreStream(input, { by: opts.by, missing: opts.missing, tagger, combiner, onLine, ...(embedder ? { embedder } : {}) });
  } finally {
    progress.done();
    await embedder?.close();
  }
  const { batches, errors } = result;
  const linked = opts.link ? linkBatches(batches, { combiner }) : undefined;
  const out = new LineWriter(process.stdout);
  for (const b of linked?.batches ?? batches) {
    const { signalReasons: _drop, ...row } = b;
    await out.write(JSON.stringify(row));
  }
  await out.flush();
  const flagged = (linked?.batches ?? batches).filter((b) => b.level !== 'low').length;
  if (linked) {
    const byName = new Map(linked.batches.map((b) => [b.batch, b]));
    for (const c of linked.campaigns.slice(0, 5)) {
      const members = c.batches.map((n) => byName.get(n)).filter((b) => b !== undefined);
      const high = members.filter((b) => b.level === 'high').length;
      const top = members.reduce((a, b) => (b.score > a.score ? b : a));
      log(`campaign ${c.id}: ${c.batches.length} batches (${high} high), e.g. ${top.batch}: ${top.reasons.slice(1, 3).join('; ') || top.reasons[0]}`);
    }
  }
  log(`score: ${batches.length} batches, ${flagged} medium or high${linked ? `, ${linked.campaigns.length} campaign clusters` : ''}${errors ? `, ${errors} bad lines (see stderr above)` : ''}`);
}
