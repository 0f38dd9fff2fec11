import { readFileSync } from 'node:fs';
import { simulateTraffic, type ScaffoldSet } from '../../simulate/index.js';
import { loadLabelled } from '../../train/data.js';
import { intOption } from '../common.js';
import { CliError } from '../errors.js';
import { LineWriter, log } from '../output.js';

export interface SimulateCliOptions {
  scaffolds: string;
  seed: string;
  scale: string;
  volume: string;
  prefix?: string;
}

/** `distillscope simulate POOL... --scaffolds FILE`: labelled account traffic as JSONL, sorted by time. */
export async function runSimulate(pool: string[], opts: SimulateCliOptions): Promise<void> {
  const loaded = await loadLabelled(pool);
  if (loaded.errors.length) throw new CliError('E_INPUT', `${loaded.errors.length} unreadable lines in the prompt pool, first: ${loaded.errors[0]?.file}:${loaded.errors[0]?.line}: ${loaded.errors[0]?.error}`);
  let scaffolds: ScaffoldSet;
  try {
    scaffolds = JSON.parse(readFileSync(opts.scaffolds, 'utf8')) as ScaffoldSet;
  } catch (err) {
    throw new CliError('E_INPUT', `cannot read scaffolds "${opts.scaffolds}": ${(err as Error).message}`);
  }
  const scale = Number(opts.scale);
  const volume = Number(opts.volume);
  if (!(scale > 0) || !(volume > 0)) throw new CliError('E_USAGE', '--scale and --volume must be positive numbers');
  const records = [...simulateTraffic({ seed: intOption('seed', opts.seed), pool: loaded.records, scaffolds, scale, volume, ...(opts.prefix ? { prefix: opts.prefix } : {}) })];
  records.sort((a, b) => a.ts - b.ts);
  const out = new LineWriter(process.stdout);
  for (const r of records) await out.write(JSON.stringify(r));
  await out.flush();
  log(`simulate: ${records.length} records, ${new Set(records.map((r) => r.account)).size} accounts`);
}
