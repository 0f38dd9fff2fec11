// npm run corpus:stats — counts of the hand-written corpus (labels, languages, multi-label, hard negatives, duplicates).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('./prompts/', import.meta.url).pathname;
const rows = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().flatMap((f) =>
  readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
const key = (r) => (r.text ?? JSON.stringify(r.messages)).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
const count = (f) => rows.reduce((m, r) => { for (const k of f(r)) m[k] = (m[k] ?? 0) + 1; return m; }, {});
const distinct = new Set(rows.map(key)).size;
const out = {
  records: rows.length,
  distinct,
  perLabel: count((r) => (r.labels.length ? r.labels : ['none'])),
  multiLabel: rows.filter((r) => r.labels.length > 1).length,
  hardNegatives: rows.filter((r) => r.tags?.includes('hard_negative')).length,
  chatFormat: rows.filter((r) => r.messages).length,
  perLang: count((r) => [r.lang ?? 'und']),
};
out.chineseShare = Number(((out.perLang.zh ?? 0) / rows.length).toFixed(3));
console.log(JSON.stringify(out, null, 2));
