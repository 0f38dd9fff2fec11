// Cross-validated choice of the stacked tagger's embedding band (DEFAULT_EMBED_BAND in
// src/tagger/embedded.ts), on the training corpus only: dev is never read.
//
// The lexical heads' held-out margins come from the same 5 folds as `npm run train` (corpus plus
// its seeded variants); the USE-lite heads are trained in those folds on the original prompts;
// a stacker per label turns the two held-out margins into one probability. A prompt is stacked
// when it is English and its lexical score lies within BAND log-odds of a stacked threshold (as
// the tagger does), else it keeps its lexical tag. Prints, per band, the share of prompts
// embedded and the six-class macro-F1.
//
// usage: npm run build && node scripts/embed-band-cv.mjs   (about 10 minutes: embedding the corpus)
import { loadLabelled } from '../dist/train/data.js';
import { augment } from '../dist/train/augment.js';
import { trainTagger } from '../dist/train/index.js';
import { embedderFromSpec, TAGGING_MAX_WINDOWS } from '../dist/cli/embedder.js';
import { prepare } from '../dist/tagger/embedded.js';
import { toPromptRecord } from '../dist/io/record.js';
import { guessLang } from '../dist/features/lang.js';
import { fitPlatt, applyPlatt, bestF1Threshold } from '../dist/train/calibrate.js';
import { evaluate } from '../dist/eval/metrics.js';
import { trainLogReg, margin, balancedPositiveWeight, DEFAULT_LOGREG, fitLogistic, sigmoid } from '../dist/train/logreg.js';
import { EMBEDDING_LOGREG } from '../dist/train/embedding.js';
import { LABELS } from '../dist/tagger/labels.js';

const log = (m) => process.stderr.write(`${m}\n`);
const corpus = new URL('../corpus/prompts', import.meta.url).pathname;
const loaded = await loadLabelled([corpus]);
const records = loaded.records;
const n = records.length;
const { oof } = trainTagger([...records, ...augment(records, 1)], { seed: 1, folds: 5, log });
const lexMargin = Object.fromEntries(LABELS.map((l) => [l, oof.margin[l].subarray(0, n)]));
const fold = oof.fold.slice(0, n);

const choice = embedderFromSpec('use-lite');
const text = { normalize: true, maxWindows: TAGGING_MAX_WINDOWS, languages: ['en'] };
const vectors = [];
for (let i = 0; i < n; i += 256) {
  vectors.push(...(await choice.embedder.embed(records.slice(i, i + 256).map((r) => prepare(toPromptRecord(r), { text })))));
  log(`embedded ${vectors.length}/${n}`);
}
await choice.embedder.close();

const dim = vectors[0].length;
const idx = Uint32Array.from({ length: dim }, (_, j) => j);
const xs = vectors.map((v) => ({ idx, val: v }));
const embMargin = Object.fromEntries(LABELS.map((l) => [l, new Float64Array(n)]));
for (let k = 0; k < 5; k++) {
  const train = xs.map((_, i) => i).filter((i) => fold[i] !== k);
  const test = xs.map((_, i) => i).filter((i) => fold[i] === k);
  for (const l of LABELS) {
    const ys = train.map((i) => (records[i].labels.includes(l) ? 1 : 0));
    const head = trainLogReg(train.map((i) => xs[i]), ys, dim, { ...DEFAULT_LOGREG, positiveWeight: balancedPositiveWeight(ys), ...EMBEDDING_LOGREG, seed: 1 });
    for (const i of test) embMargin[l][i] = margin(head, xs[i]);
  }
  log(`embedding heads: fold ${k + 1}/5`);
}

const english = records.map((r) => guessLang(toPromptRecord(r).text) === 'en');
const lexical = {};
const stacked = {};
const lexThreshold = {};
const stackThreshold = {};
for (const l of LABELS) {
  const ys = records.map((r) => (r.labels.includes(l) ? 1 : 0));
  const platt = fitPlatt(lexMargin[l], ys);
  lexical[l] = Array.from(lexMargin[l], (m) => applyPlatt(platt, m));
  lexThreshold[l] = bestF1Threshold(lexical[l], ys);
  const stack = fitLogistic(records.map((_, i) => [lexMargin[l][i], embMargin[l][i]]), ys, 1e-6);
  const [wl, we] = stack.weights;
  stacked[l] = records.map((_, i) => sigmoid(wl * lexMargin[l][i] + we * embMargin[l][i] + stack.bias));
  stackThreshold[l] = bestF1Threshold(stacked[l], ys);
}
const gold = records.map((r) => r.labels);
const logit = (p) => Math.log(Math.max(1e-6, Math.min(1 - 1e-6, p)) / Math.max(1e-6, 1 - Math.min(1 - 1e-6, p)));
console.log('band   embedded  macro-F1  ' + [...LABELS, 'none'].map((c) => c.slice(0, 9).padStart(10)).join(''));
for (const band of [0, 0.5, 1, 1.5, 2, 3, 4, Infinity]) {
  let embedded = 0;
  const pred = records.map((_, i) => {
    const near = english[i] && (band === Infinity || LABELS.some((l) => Math.abs(logit(lexical[l][i]) - logit(stackThreshold[l])) < band));
    if (near) embedded++;
    return near ? LABELS.filter((l) => stacked[l][i] >= stackThreshold[l]) : LABELS.filter((l) => lexical[l][i] >= lexThreshold[l]);
  });
  const r = evaluate(gold, pred);
  const f1 = [...LABELS, 'none'].map((c) => r.perClass[c].f1.toFixed(3).padStart(10)).join('');
  console.log(`${String(band).padEnd(8)}${`${((100 * embedded) / n).toFixed(1)}%`.padStart(8)}${r.macroF1.toFixed(4).padStart(10)}${f1}`);
}
