// node bench/embed.mjs (after npm run build): USE-lite embedding throughput and peak memory for 200
// prompts of ~300 characters, on this thread (the baseline) and on 2 worker threads. Each setting
// runs in a fresh process, so its peak RSS is its own.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

const PROMPTS = 200;
const CHARS = 300;

/** Distinct ~300-character prompts from the corpus: short ones are joined, long ones cut. */
function prompts(count, offset) {
  const dir = new URL('../corpus/prompts/', import.meta.url);
  const texts = readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text))
    .filter((t) => typeof t === 'string');
  const out = [];
  let current = '';
  for (const t of texts.slice(offset)) {
    current = current ? `${current} ${t}` : t;
    if (current.length >= CHARS) {
      out.push(current.slice(0, CHARS));
      current = '';
      if (out.length === count) return out;
    }
  }
  throw new Error(`bench: the corpus gives only ${out.length} prompts of ${CHARS} characters`);
}

async function measure(threads) {
  const { createUseLiteEmbedder } = await import('../dist/embed/use-lite/index.js');
  const t0 = performance.now();
  const embedder = createUseLiteEmbedder({ threads, cache: 0 });
  // Warm-up on other prompts, one batch per worker, so every copy of the model is loaded.
  await embedder.embed(prompts(8 * threads, 5000));
  const loadMs = performance.now() - t0;
  const batch = prompts(PROMPTS, 0);
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const vectors = await embedder.embed(batch);
  const ms = performance.now() - t1;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  if (vectors.length !== PROMPTS) throw new Error('bench: wrong number of vectors');
  const { windows } = embedder.stats();
  await embedder.close();
  return {
    threads,
    loadMs: Math.round(loadMs),
    ms: Math.round(ms),
    perSec: Number(((PROMPTS / ms) * 1000).toFixed(1)),
    cpuSec: Number(cpuSec.toFixed(1)),
    perCpuSec: Number((PROMPTS / cpuSec).toFixed(1)),
    windows: windows - 8 * threads,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.argv[2] === '--threads') {
  process.stdout.write(JSON.stringify(await measure(Number(process.argv[3]))));
} else {
  const self = new URL(import.meta.url).pathname;
  const rows = [1, 2].map((t) => JSON.parse(execFileSync(process.execPath, [self, '--threads', String(t)], { encoding: 'utf8' })));
  const pad = (s, w) => String(s).padStart(w);
  // Other work on the machine lowers prompts/s but hardly prompts per CPU-second: show both.
  console.log(`USE lite, ${PROMPTS} prompts of ${CHARS} chars, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(2)}, cache off`);
  console.log(`${'threads'.padEnd(9)}${pad('windows', 8)}${pad('load ms', 9)}${pad('embed ms', 10)}${pad('prompts/s', 11)}${pad('CPU s', 7)}${pad('prompts/CPU-s', 15)}${pad('peak RSS MB', 13)}`);
  for (const r of rows) {
    console.log(`${String(r.threads).padEnd(9)}${pad(r.windows, 8)}${pad(r.loadMs, 9)}${pad(r.ms, 10)}${pad(r.perSec, 11)}${pad(r.cpuSec, 7)}${pad(r.perCpuSec, 15)}${pad(r.maxRssMB, 13)}`);
  }
  const [one, two] = rows;
  console.log(`\n2 threads vs 1 (baseline): ${(two.perSec / one.perSec).toFixed(2)}x the throughput, ${(two.maxRssMB / one.maxRssMB).toFixed(2)}x the peak memory`);
}
