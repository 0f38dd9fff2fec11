#!/usr/bin/env node
// Flags corpus prompts that echo a prompt of the evaluation set: they share a run of content words
// (stop words dropped; Chinese and Japanese read as character bigrams). The corpus must not carry
// evaluation items, even paraphrased, or the evaluation figures stop being held out.
//
// Usage: node scripts/dev-overlap.mjs ../shared/data/dev.jsonl [corpus/prompts] [--min 0.5] [--json]
// Prints one line per flagged corpus prompt: score, file:line, the corpus text and the dev text.
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const json = args.includes('--json') && (args.splice(args.indexOf('--json'), 1), true);
const min = Number(flag('--min') ?? 0.5);
const [devPath, dir = 'corpus/prompts'] = args;
if (!devPath) {
  process.stderr.write('usage: node scripts/dev-overlap.mjs DEV.jsonl [CORPUS_DIR] [--min 0.5] [--json]\n');
  process.exit(2);
}

const STOP = new Set(
  ('a an the and or but if of to in on at for from by with about as into is are was were be been being do does did have has had ' +
    'i you he she it we they me my your our their this that these those there here what which who whom how why when where ' +
    'can could would should will shall may might must please tell give make me us some any all each every more most other ' +
    'not no yes so than then also just only very too up down out over under again can\'t don\'t it\'s i\'m').split(' '),
);
const textOf = (r) =>
  typeof r.text === 'string'
    ? r.text
    : (r.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : (m.content ?? []).map((p) => p.text ?? '').join(' '))).join('\n');
/** Content tokens: words of letters/digits minus stop words; CJK runs as character bigrams. */
function tokens(s) {
  const out = [];
  for (const m of s.toLowerCase().matchAll(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+|[\p{L}\p{N}]+/gu)) {
    const w = m[0];
    if (/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(w)) {
      if (w.length === 1) out.push(w);
      for (let i = 0; i + 2 <= w.length; i++) out.push(w.slice(i, i + 2));
    } else if (!STOP.has(w) && (w.length > 1 || /\d/.test(w))) out.push(w);
  }
  return out;
}
/** Content-word bigrams (adjacent after stop words are dropped). */
function shingles(s) {
  const t = tokens(s);
  const set = new Set();
  if (t.length === 1) set.add(t[0]);
  for (let i = 0; i + 2 <= t.length; i++) set.add(`${t[i]} ${t[i + 1]}`);
  return set;
}

const dev = fs.readFileSync(devPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const devSh = dev.map((d) => shingles(textOf(d)));
const index = new Map();
devSh.forEach((set, i) => {
  for (const s of set) {
    let a = index.get(s);
    if (!a) index.set(s, (a = []));
    a.push(i);
  }
});
const flagged = [];
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
  fs.readFileSync(path.join(dir, f), 'utf8')
    .split('\n')
    .forEach((line, ln) => {
      if (!line.trim()) return;
      const text = textOf(JSON.parse(line));
      const set = shingles(text);
      const shared = new Map();
      for (const s of set) for (const i of index.get(s) ?? []) shared.set(i, (shared.get(i) ?? 0) + 1);
      let best = { score: 0, i: -1, shared: 0 };
      for (const [i, c] of shared) {
        // Share of the smaller prompt's bigrams found in the other; two shared bigrams at least.
        const score = c < 2 ? 0 : c / Math.min(set.size, devSh[i].size);
        if (score > best.score) best = { score, i, shared: c };
      }
      if (best.score >= min) flagged.push({ score: Math.round(best.score * 100) / 100, shared: best.shared, file: f, line: ln + 1, text, dev: dev[best.i].id ?? String(best.i), devText: textOf(dev[best.i]) });
    });
}
flagged.sort((a, b) => b.score - a.score);
const cut = (s) => s.replace(/\s+/g, ' ').slice(0, 140);
for (const r of flagged) {
  process.stdout.write(json ? `${JSON.stringify(r)}\n` : `${r.score} (${r.shared}) ${r.file}:${r.line}\n  corpus: ${cut(r.text)}\n  dev ${r.dev}: ${cut(r.devText)}\n`);
}
process.stderr.write(`${flagged.length} corpus prompts share content-word runs with ${devPath} (score >= ${min})\n`);
