// One benchmark run in its own process, so peak memory (maxRSS) belongs to one method only.
// usage: node bench/tag-worker.mjs distillscope|bayes N
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [method, nArg] = process.argv.slice(2);
const N = Number(nArg ?? 10000);
const root = new URL('..', import.meta.url).pathname;
const devPath = join(root, '../shared/data/dev.jsonl');

function loadJsonl(p) {
  return readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
const corpus = readdirSync(join(root, 'corpus/prompts')).filter((f) => f.endsWith('.jsonl')).flatMap((f) => loadJsonl(join(root, 'corpus/prompts', f)));
// Inputs: real prompts from dev.jsonl when present (never trained on), else the corpus.
const pool = (existsSync(devPath) ? loadJsonl(devPath) : corpus).map((r) => r.text ?? '').filter(Boolean);
const inputs = Array.from({ length: N }, (_, i) => pool[i % pool.length]);
const textOf = (r) => r.text ?? (Array.isArray(r.messages) ? r.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n') : '');

let tagOne;
const t0 = performance.now();
if (method === 'distillscope') {
  const { createTagger } = await import(join(root, 'dist/index.js'));
  const tagger = createTagger({ evidence: 0 });
  tagOne = (t) => tagger.tag(t);
} else if (method === 'distillscope-evidence') {
  const { createTagger } = await import(join(root, 'dist/index.js'));
  const tagger = createTagger();
  tagOne = (t) => tagger.tag(t);
} else if (method === 'bayes') {
  const { default: BayesClassifier } = await import('natural/lib/natural/classifiers/bayes_classifier.js');
  const bayes = new BayesClassifier();
  for (const r of corpus) bayes.addDocument(textOf(r), r.labels[0] ?? 'none');
  bayes.train();
  tagOne = (t) => bayes.classify(t);
} else {
  throw new Error(`unknown method ${method}; use distillscope, distillscope-evidence or bayes`);
}
const setupMs = performance.now() - t0;
const t1 = performance.now();
for (const t of inputs) tagOne(t);
const ms = performance.now() - t1;
process.stdout.write(`${JSON.stringify({ method, n: N, setupMs: Math.round(setupMs), ms: Math.round(ms), perSec: Math.round((N / ms) * 1000), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
