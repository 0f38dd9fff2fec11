// npm run bench:score — end-to-end `distillscope score --link` on simulated traffic of growing size
// (corpus prompts, training scaffolds), with wall time and peak memory from /usr/bin/time, side by
// side with the plain baseline (bench/score-baseline.mjs) in the same run.
// usage: node bench/score.mjs [sizes in thousands of prompts, default 100,300,1000]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist/cli/main.js');
const outDir = join(root, 'bench/out');
mkdirSync(outDir, { recursive: true });
const sizes = (process.argv[2] ?? '100,300,1000').split(',').map(Number);

// At scale 1 and volume 0.5 the simulator writes about 115,000 prompts over about 980 accounts.
function traffic(k) {
  const file = join(outDir, `traffic-${k}k.jsonl`);
  if (!existsSync(file)) {
    const scale = (k / 115).toFixed(3);
    execFileSync('sh', ['-c', `node "${cli}" simulate corpus/prompts --scaffolds corpus/traffic/scaffolds.train.json --seed 11 --scale ${scale} --volume 0.5 > "${file}"`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return file;
}

function timed(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [wall, kb] = last.split(' ').map(Number);
  return { wall, peakMB: Math.round(kb / 1024), out: r.stdout };
}

const rows = [];
for (const k of sizes) {
  const file = traffic(k);
  const lines = Number(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).split(' ')[0]);
  const accounts = Number(execFileSync('sh', ['-c', `node -e "const s=new Set();require('readline').createInterface({input:require('fs').createReadStream('${file}')}).on('line',l=>s.add(JSON.parse(l).account)).on('close',()=>console.log(s.size))"`], { encoding: 'utf8' }));
  const ds = timed([cli, 'score', file, '--by', 'account', '--link']);
  const base = timed([join(root, 'bench/score-baseline.mjs'), file]);
  rows.push({ k, lines, accounts, mb: Math.round(statSync(file).size / 1e6), ds, base });
  console.error(`done ${k}k`);
}
const pad = (s, w) => String(s).padStart(w);
console.log(`${'prompts'.padStart(9)}${pad('accounts', 10)}${pad('MB', 7)}${pad('score s', 9)}${pad('prompts/s', 11)}${pad('peak MB', 9)}${pad('base s', 8)}${pad('base MB', 9)}${pad('time ratio', 12)}`);
for (const r of rows) {
  console.log(`${pad(r.lines, 9)}${pad(r.accounts, 10)}${pad(r.mb, 7)}${pad(r.ds.wall, 9)}${pad(Math.round(r.lines / r.ds.wall), 11)}${pad(r.ds.peakMB, 9)}${pad(r.base.wall, 8)}${pad(r.base.peakMB, 9)}${pad((r.ds.wall / r.base.wall).toFixed(1), 12)}`);
}
if (rows.length > 1) {
  const a = rows[0];
  const b = rows[rows.length - 1];
  console.log(`\ngrowth: ${(b.lines / a.lines).toFixed(1)}x the prompts took ${(b.ds.wall / a.ds.wall).toFixed(1)}x the time and ${(b.ds.peakMB / a.ds.peakMB).toFixed(1)}x the peak memory`);
}
