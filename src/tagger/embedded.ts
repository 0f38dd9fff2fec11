import type { Embedder } from '../embed/types.js';
import type { PromptRecord } from '../io/record.js';
import { guessLang } from '../features/lang.js';
import { normalizeText } from '../normalize/index.js';
import { applyPlatt } from '../train/calibrate.js';
import { sigmoid } from '../train/logreg.js';
import { round4 } from '../util/round.js';
import type { EmbeddingHeads } from './embedding-model.js';
import type { Evidence, TagResult } from './index.js';
import { LABELS, type Label } from './labels.js';

/**
 * How embeddings enter the tag:
 * - `embedding`: the embedding heads alone;
 * - `stacked`: lexical and embedding margins combined per label by a stacker fitted on held-out folds.
 */
export type EmbeddingUse = 'embedding' | 'stacked';

/** A lexical analysis the embedding step builds on. @internal */
export interface LexicalPass {
  result: TagResult;
  /** Raw margin of each lexical head, in LABELS order. */
  margins: ArrayLike<number>;
}

export interface EmbeddingStepOptions {
  embedder: Embedder;
  heads: EmbeddingHeads;
  use: EmbeddingUse;
  /**
   * `stacked` only: embed just the prompts whose lexical score lies within this many log-odds of a
   * threshold, and keep the lexical tag for the rest (Infinity = embed every prompt). Default
   * `DEFAULT_EMBED_BAND`.
   */
  band?: number;
  /** Label thresholds that replace the heads' own. */
  thresholds?: Partial<Record<Label, number>>;
}

/**
 * Default band of stacked tagging, in log-odds: chosen on cross-validation of the training corpus
 * (not on dev) as the narrowest band whose macro-F1 is within 0.001 of embedding every prompt
 * (`scripts/embed-band-cv.mjs`; only English prompts are stacked). Band 0.5 embeds 5.4% of the
 * prompts for macro-F1 0.8839, 1 → 10.0% and 0.8862, 1.5 → 15.1% and 0.8866, 2 → 20.6% and 0.8871,
 * every English prompt → 65.5% and 0.8873; lexical alone 0.8815.
 */
export const DEFAULT_EMBED_BAND = 1.5;

const logit = (p: number): number => Math.log(Math.max(1e-6, Math.min(1 - 1e-6, p)) / Math.max(1e-6, 1 - Math.min(1 - 1e-6, p)));

/**
 * The embedding step of tagging: embeds the records' normalized text (once per distinct text per
 * call; the embedder may cache across calls) and re-scores each label with the embedding heads,
 * alone or stacked with the lexical margins. Evidence gains an `embedding` item with the head's
 * contribution. @internal
 */
export function createEmbeddingStep(options: EmbeddingStepOptions): (recs: readonly PromptRecord[], lexical: readonly LexicalPass[]) => Promise<TagResult[]> {
  const { embedder, heads, use } = options;
  if (embedder.id !== heads.embedder) throw new Error(`distillscope: the heads were trained on "${heads.embedder}" vectors, not "${embedder.id}"`);
  if (embedder.dim !== heads.dim) throw new Error(`distillscope: the embedder gives ${embedder.dim}-d vectors, the heads expect ${heads.dim}`);
  const band = options.band ?? DEFAULT_EMBED_BAND;
  const languages = heads.text.languages ? new Set(heads.text.languages) : undefined;
  const threshold = (l: Label): number => options.thresholds?.[l] ?? (use === 'stacked' ? heads.heads[l].stack.threshold : heads.heads[l].threshold);
  const weights = Object.fromEntries(LABELS.map((l) => [l, Float32Array.from(heads.heads[l].weights)])) as Record<Label, Float32Array>;

  return async (recs, lexical) => {
    // Which prompts to embed: all, or (stacked with a band) only those near a lexical threshold.
    const chosen: number[] = [];
    lexical.forEach((lx, i) => {
      const rec = recs[i] as PromptRecord;
      if (rec.text.trim() === '') return;
      if (use === 'embedding') return void chosen.push(i);
      if (languages && !languages.has(guessLang(rec.text))) return;
      if (band === Infinity) return void chosen.push(i);
      const near = LABELS.some((l) => Math.abs(logit(lx.result.scores[l]) - logit(threshold(l))) < band);
      if (near) chosen.push(i);
    });
    const texts = chosen.map((i) => prepare(recs[i] as PromptRecord, heads));
    const vectors = texts.length ? await embedder.embed(texts) : [];
    const out = lexical.map((lx) => lx.result);
    chosen.forEach((i, k) => {
      const v = vectors[k] as Float32Array;
      const lx = lexical[i] as LexicalPass;
      const scores = {} as Record<Label, number>;
      const labels: Label[] = [];
      const evidence: Partial<Record<Label, Evidence[]>> = {};
      LABELS.forEach((l, li) => {
        const h = heads.heads[l];
        const w = weights[l];
        let m = h.bias;
        for (let j = 0; j < v.length; j++) m += (w[j] as number) * (v[j] as number);
        const p = use === 'stacked' ? sigmoid(h.stack.lexical * (lx.margins[li] as number) + h.stack.embedding * m + h.stack.bias) : applyPlatt(h.platt, m);
        scores[l] = round4(p);
        if (p >= threshold(l)) {
          labels.push(l);
          const own: Evidence = { feature: `embedding:${embedder.id}`, weight: Math.round((use === 'stacked' ? h.stack.embedding * m : m) * 1000) / 1000 };
          evidence[l] = use === 'stacked' ? [own, ...(lx.result.evidence[l] ?? [])] : [own];
        }
      });
      const r: TagResult = { ...lx.result, labels, scores, evidence };
      out[i] = r;
    });
    return out;
  };
}

/** The text the heads were trained to read: normalized (obfuscation undone) unless the heads say otherwise. */
export function prepare(rec: PromptRecord, heads: Pick<EmbeddingHeads, 'text'>): string {
  return heads.text.normalize ? normalizeText(rec.text).text : rec.text;
}
