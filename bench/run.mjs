// npm run bench: tagging throughput, peak memory and growth with input size, with natural's
// BayesClassifier (trained on the same corpus) as the baseline in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const worker = new URL('./tag-worker.mjs', import.meta.url).pathname;
const run = (method, n) => JSON.parse(execFileSync(process.execPath, [worker, method, String(n)], { encoding: 'utf8' }));

const rows = [];
for (const n of [2500, 10000, 40000]) {
  for (const method of ['distillscope', 'distillscope-evidence', 'bayes']) {
    if (method === 'bayes' && n > 10000) continue; // the baseline is slow; two sizes show its slope
    rows.push(run(method, n));
  }
}
const pad = (s, w) => String(s).padStart(w);
console.log(`${'method'.padEnd(24)}${pad('prompts', 9)}${pad('setup ms', 10)}${pad('tag ms', 9)}${pad('prompts/s', 11)}${pad('peak MB', 9)}`);
for (const r of rows) console.log(`${r.method.padEnd(24)}${pad(r.n, 9)}${pad(r.setupMs, 10)}${pad(r.ms, 9)}${pad(r.perSec, 11)}${pad(r.maxRssMB, 9)}`);
const at = (m, n) => rows.find((r) => r.method === m && r.n === n);
const ds = at('distillscope', 10000);
const nb = at('bayes', 10000);
console.log(`\nat 10,000 prompts: distillscope/bayes throughput ratio ${(ds.perSec / nb.perSec).toFixed(2)}x, peak memory ratio ${(ds.maxRssMB / nb.maxRssMB).toFixed(2)}x`);
const small = at('distillscope', 2500);
const big = at('distillscope', 40000);
console.log(`growth: 16x the prompts took ${(big.ms / small.ms).toFixed(1)}x the time (linear = 16x)`);

// End to end: the CLI on 10,000 JSONL lines, one thread vs two worker threads (same output).
const root = new URL('..', import.meta.url).pathname;
const dev = join(root, '../shared/data/dev.jsonl');
if (existsSync(dev)) {
  mkdirSync(join(root, 'bench/out'), { recursive: true });
  const file = join(root, 'bench/out/tag-10k.jsonl');
  const rowsIn = readFileSync(dev, 'utf8').trim().split('\n');
  writeFileSync(file, `${Array.from({ length: 10000 }, (_, i) => rowsIn[i % rowsIn.length]).join('\n')}\n`);
  console.log(`\n${'CLI tag --embedder lexical, 10,000 lines'.padEnd(42)}${'wall s'.padStart(8)}${'lines/s'.padStart(10)}${'peak MB'.padStart(9)}`);
  for (const workers of [0, 2]) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, join(root, 'dist/cli/main.js'), 'tag', file, '--evidence', '0', '--embedder', 'lexical', '--workers', String(workers)], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const [wall, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
    console.log(`${`--workers ${workers}`.padEnd(42)}${String(wall).padStart(8)}${String(Math.round(10000 / wall)).padStart(10)}${String(Math.round(kb / 1024)).padStart(9)}`);
  }
}

// Embeddings in tagging: the CLI on 1,000 dev lines, lexical vs the default (USE-lite stacked on
// English prompts within 1.5 log-odds of a threshold), every English prompt stacked, a narrower
// band, and USE-lite alone.
if (existsSync(dev)) {
  const file = join(root, 'bench/out/tag-1k.jsonl');
  const rowsIn = readFileSync(dev, 'utf8').trim().split('\n');
  writeFileSync(file, `${rowsIn.slice(0, 1000).join('\n')}\n`);
  console.log(`\n${'CLI tag, 1,000 dev lines'.padEnd(40)}${'wall s'.padStart(8)}${'lines/s'.padStart(10)}${'peak MB'.padStart(9)}`);
  const settings = [
    ['lexical', ['--embedder', 'lexical']],
    ['default (lexical+use-lite, band 1.5)', []],
    ['lexical+use-lite --embed-band all', ['--embedder', 'lexical+use-lite', '--embed-band', 'all']],
    ['lexical+use-lite --embed-band 1', ['--embedder', 'lexical+use-lite', '--embed-band', '1']],
    ['use-lite', ['--embedder', 'use-lite']],
  ];
  for (const [name, args] of settings) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, join(root, 'dist/cli/main.js'), 'tag', file, '--evidence', '0', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const [wall, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
    console.log(`${name.padEnd(40)}${String(wall).padStart(8)}${String(Math.round(1000 / wall)).padStart(10)}${String(Math.round(kb / 1024)).padStart(9)}`);
  }
}
