import { linkBatches } from '../../campaign/link.js';
import { inputFrom, taggerFromOptions } from '../common.js';
import { LineWriter, log } from '../output.js';
import { scoreStream } from '../score-stream.js';

export interface ScoreCliOptions {
  by: string;
  link?: boolean;
  missing: string;
  model?: string;
  combiner?: string;
}

/** `distillscope score [FILE] --by FIELD [--link]`: one JSON line per batch. */
export async function runScore(file: string | undefined, opts: ScoreCliOptions): Promise<void> {
  const tagger = taggerFromOptions({ ...(opts.model ? { model: opts.model } : {}), evidence: '0' });
  const input = inputFrom(file);
  const { batches, errors } = await scoreStream(input, { by: opts.by, missing: opts.missing, tagger, ...(opts.combiner ? { combiner: opts.combiner } : {}) });
  const linked = opts.link ? linkBatches(batches, opts.combiner ? { combiner: opts.combiner } : {}) : undefined;
  const out = new LineWriter(process.stdout);
  for (const b of linked?.batches ?? batches) {
    const { signalReasons: _drop, ...row } = b;
    await out.write(JSON.stringify(row));
  }
  await out.flush();
  const flagged = (linked?.batches ?? batches).filter((b) => b.level !== 'low').length;
  log(`score: ${batches.length} batches, ${flagged} medium or high${linked ? `, ${linked.campaigns.length} campaign clusters` : ''}${errors ? `, ${errors} bad lines (see stderr above)` : ''}`);
}
