import { toPromptRecord, type PromptRecord } from '../io/record.js';
import { createTagger, type Tagger } from '../tagger/index.js';
import { BatchAccumulator, DEFAULT_SKETCH_SIZES, headAndTail, SEMANTIC_SAMPLE, type PromptTags, type SketchSizes } from './accumulator.js';
import { applyHead, contributions, featureVector, headFor, levelOf, loadCombiner, type CombinerModel, type LinkEvidence } from './combiner.js';
import { embedSamples, SEMANTIC_SIGNAL_NAMES, type SemanticName, type SemanticSignals } from './semantic.js';
import { computeSignals, signalsOf, SIGNAL_NAMES, type SignalName, type Signals } from './signals.js';
import type { Embedder } from '../embed/types.js';
import { markerBits } from './markers.js';
import { round4 } from '../util/round.js';

/** One scored batch; the same shape from the library and the CLI (`score`). */
export interface BatchScore {
  batch: string;
  n: number;
  /** Calibrated probability that the batch is extraction traffic. */
  score: number;
  level: 'low' | 'medium' | 'high';
  signals: Record<SignalName, number>;
  /** The signals that pushed the score up most, in words. */
  reasons: string[];
  /** The largest mined templates. */
  templates: Array<{ text: string; count: number; share: number }>;
  /** Campaign cluster id, after linking (`--link` / linkBatches), when the batch shares fingerprints with others. */
  campaign?: string;
  /** Hashed template, scaffold and near-duplicate fingerprints, for linking (also across shards). */
  fingerprints: string[];
  /** Signal reasons by name (library only; the CLI prints `reasons`). @internal */
  signalReasons?: Record<SignalName, string>;
  /** Semantic signals, when the scorer has an embedder (`resultsAsync`, `score --embedder`). */
  semantic?: SemanticSignals;
}

export interface BatchScorerOptions {
  tagger?: Tagger;
  /** A loaded combiner or the path of a combiner file; default: the shipped one. */
  combiner?: CombinerModel | string;
  sizes?: SketchSizes;
  /**
   * A sentence encoder for the semantic signal: each batch keeps a sample of 16 prompt texts, and
   * `resultsAsync` embeds them and scores with the combiner's semantic head for this encoder.
   */
  embedder?: Embedder;
}

/** Thresholds that make a template, scaffold or band key a campaign fingerprint. */
const FP_MIN_COUNT = 3;
const FP_MIN_SHARE = 0.1;
// Popular openings ("I want you to act as <*>") are shared by ordinary users; scaffolds are longer.
const FP_MIN_CONSTANT_TOKENS = 8;
const FP_MAX_BANDS = 8;
const REASONS = 3;
/**
 * Characters of each prompt the scorer tags, half from its start and half from its end: a batch
 * needs each prompt's gist (a long agent preamble opens it, the task closes it), not every line.
 */
export const SCORING_TAG_CHARS = 1000;

/**
 * What the scorer tags of a record: each text cut to its first and last `SCORING_TAG_CHARS / 2`
 * characters (`headAndTail`). With `detach`, the cut texts are copied out, so a copy kept for tagging
 * later does not hold the whole prompt in memory (a V8 slice points into its parent string). @internal
 */
export function cappedForTagging(rec: PromptRecord, detach = false): PromptRecord {
  const cap = (s: string): string => {
    const cut = headAndTail(s, SCORING_TAG_CHARS);
    // An uncut text is the record's own string, no bigger than what is kept; only a cut one points into more.
    return detach && cut !== s ? flatCopy(cut) : cut;
  };
  const text = cap(rec.text);
  return {
    text,
    userText: rec.userText === rec.text ? text : cap(rec.userText),
    systemText: cap(rec.systemText),
    images: rec.images,
    tools: rec.tools,
    toolNames: rec.toolNames,
    toolCalls: rec.toolCalls,
    turns: rec.turns,
  };
}

/**
 * A string with the same code units that shares no storage with its source (a V8 slice keeps its
 * whole parent string alive), one byte per character when it can be.
 */
function flatCopy(s: string): string {
  return s === '' ? s : (JSON.parse(JSON.stringify(s)) as string);
}

/**
 * Read a record's `ts` as milliseconds: epoch seconds, epoch milliseconds or an ISO date string.
 * @internal
 */
export function readTs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/**
 * A streaming scorer: add records of any number of batches in any order, then read the scores.
 * Memory grows with the number of batches (bounded sketches each), not with the prompts.
 *
 * Example:
 *   const scorer = createBatchScorer();
 *   scorer.add({ account: 'a1', text: 'Think step by step in <think> tags: 2+2?' }, 'a1');
 *   scorer.results()[0].batch // → 'a1'
 */
export function createBatchScorer(options: BatchScorerOptions = {}) {
  const tagger = options.tagger ?? createTagger({ evidence: 0 });
  const combiner = typeof options.combiner === 'object' ? options.combiner : loadCombiner(options.combiner);
  const base = options.sizes ?? DEFAULT_SKETCH_SIZES;
  const sizes = options.embedder && !base.semantic ? { ...base, semantic: SEMANTIC_SAMPLE } : base;
  const batches = new Map<string, BatchAccumulator>();
  let nextSeq = 0;
  const tagsOf = (r: PromptRecord): PromptTags => {
    const a = tagger.analyze(r);
    return { labels: a.result.labels, markers: markerBits(a.cues) };
  };
  // What the sample keeps of a prompt whose tagging waits: a capped copy. Made out here, so the
  // function's scope chain does not reach `add`'s, which holds the whole record.
  const tagLater =
    (kept: PromptRecord): (() => PromptTags) =>
    () =>
      tagsOf(kept);
  /** Score every batch seen so far, in first-seen order. */
  const results = (): BatchScore[] => [...batches.entries()].map(([name, acc]) => summarize(name, acc, combiner));

  return {
    combiner,
    /**
     * Add one raw record (string, {text}, {prompt}, {messages}) to a batch. Throws RecordError on bad
     * input. `seq` (e.g. the input line number) keys the batch samples; pass it when records are
     * spread over several scorers, so the result does not depend on how they were split.
     */
    add(record: unknown, batch: string, seq: number = nextSeq++): void {
      const rec = toPromptRecord(record);
      let acc = batches.get(batch);
      if (!acc) {
        acc = new BatchAccumulator(sizes);
        batches.set(batch, acc);
      }
      const ts = typeof record === 'object' && record !== null ? readTs((record as { ts?: unknown }).ts) : undefined;
      const analyze = (): PromptTags => tagsOf(cappedForTagging(rec));
      const deferTag = (): (() => PromptTags) => tagLater(cappedForTagging(rec, true));
      acc.add({ text: rec.text, userText: rec.userText, systemText: rec.systemText, analyze, deferTag, ...(ts !== undefined ? { ts } : {}) }, seq);
    },
    /** The accumulators by batch (for merging shards). @internal */
    accumulators: (): ReadonlyMap<string, BatchAccumulator> => batches,
    /** Score every batch seen so far, in first-seen order. */
    results,
    /** Like `results`, and with an embedder, the semantic signals too (scored by the combiner's semantic head). */
    resultsAsync: async (): Promise<BatchScore[]> => {
      const plain = results();
      if (!options.embedder) return plain;
      const samples = new Map([...batches.entries()].map(([name, acc]) => [name, acc.texts?.items() ?? []]));
      return withSemantic(plain, await embedSamples(samples, options.embedder), combiner);
    },
  };
}

export type BatchScorer = ReturnType<typeof createBatchScorer>;

/**
 * Score one batch of records (an account's traffic, a key, a session, a window).
 *
 * Example:
 *   const prompts = questions.map((q) => ({ text: `Think step by step inside <think></think> tags. ${q}` }));
 *   const s = scoreBatch(prompts, { batch: 'acct-17' });
 *   s.level   // → 'high'
 *   s.reasons // → ['96% of prompts fit the top 3 templates ("Think step by step inside <think></think> tags. <*>")', …]
 */
export function scoreBatch(records: readonly unknown[], options: BatchScorerOptions & { batch?: string } = {}): BatchScore {
  const scorer = createBatchScorer(options);
  const name = options.batch ?? 'batch';
  records.forEach((r, i) => {
    try {
      scorer.add(r, name);
    } catch (err) {
      (err as Error).message = `${(err as Error).message} (record ${i})`;
      throw err;
    }
  });
  const [result] = scorer.results();
  return result ?? summarize(name, new BatchAccumulator(options.sizes ?? DEFAULT_SKETCH_SIZES), scorer.combiner);
}

/** Signals, solo score, reasons, templates and fingerprints of one accumulated batch. @internal */
export function summarize(batch: string, acc: BatchAccumulator, combiner: CombinerModel): BatchScore {
  const signals = computeSignals(acc);
  const { score, level, reasons } = applyCombiner(combiner, signals);
  const templates = acc.templates
    .templates()
    .slice(0, 3)
    .filter((t) => t.count >= 2)
    .map((t) => ({ text: t.text, count: t.count, share: round4(t.count / Math.max(1, acc.n)) }));
  return {
    batch,
    n: acc.n,
    score,
    level,
    signals: Object.fromEntries(SIGNAL_NAMES.map((k) => [k, round4(signals[k].value)])) as Record<SignalName, number>,
    reasons,
    templates,
    fingerprints: fingerprints(acc),
    signalReasons: Object.fromEntries(SIGNAL_NAMES.map((k) => [k, signals[k].reason])) as Record<SignalName, string>,
  };
}

/** Attach semantic signals to scored batches and re-score them with the combiner's semantic head. @internal */
export function withSemantic(results: readonly BatchScore[], semantic: ReadonlyMap<string, SemanticSignals>, combiner: CombinerModel): BatchScore[] {
  return results.map((b) => {
    const sem = semantic.get(b.batch);
    if (!sem) return b;
    const rescored = applyCombiner(combiner, signalsOf(b), undefined, sem);
    return { ...b, ...rescored, semantic: sem };
  });
}

/** Score signals with the solo head, or the linked head when link evidence is given; the semantic head when there are semantic signals. @internal */
export function applyCombiner(
  combiner: CombinerModel,
  signals: Signals,
  link?: LinkEvidence,
  semanticSignals?: SemanticSignals,
): { score: number; level: BatchScore['level']; reasons: string[] } {
  const variant = link ? 'linked' : 'solo';
  const { head, semantic } = headFor(combiner, variant, semanticSignals);
  const x = featureVector(signals, variant, link, semantic);
  const score = round4(applyHead(head, x));
  const byFeature = contributions(head, x).filter((c) => c.value > 0.05).sort((a, b) => b.value - a.value);
  const reasons: string[] = [];
  for (const { feature } of byFeature) {
    const name = baseSignal(feature, signals);
    const reason =
      name === 'campaign'
        ? `shares templates or scaffolds with ${link?.peers ?? 0} other batches (highest of their scores ${link?.peerScore ?? 0})`
        : name === 'semantic_cohesion' || name === 'semantic_cluster_share'
          ? (semantic as SemanticSignals).reasons[name]
          : signals[name].reason;
    if (!reasons.includes(reason)) reasons.push(reason);
    if (reasons.length >= REASONS) break;
  }
  return { score, level: levelOf(head, score), reasons };
}

const MARKER_SIGNALS = ['reasoning_trace_share', 'grading_share', 'censorship_rewrite_share'] as const;

/** Which signal (or campaign evidence) a combiner feature speaks for; marker features speak for the strongest marker. */
function baseSignal(feature: string, signals: Signals): SignalName | SemanticName | 'campaign' {
  if (feature.startsWith('campaign_')) return 'campaign';
  if ((SEMANTIC_SIGNAL_NAMES as readonly string[]).includes(feature)) return feature as SemanticName;
  if (feature === 'marker_max' || feature.endsWith('_x_marker')) {
    return MARKER_SIGNALS.reduce((a, b) => (signals[b].value > signals[a].value ? b : a));
  }
  const base = feature.split('_x_')[0] as SignalName;
  return (SIGNAL_NAMES as readonly string[]).includes(base) ? base : 'template_concentration';
}

function fingerprints(acc: BatchAccumulator): string[] {
  const out: string[] = [];
  const n = Math.max(1, acc.n);
  for (const t of acc.templates.templates()) {
    const constant = t.tokens.filter((tok) => tok !== '<*>').length;
    if (t.count >= FP_MIN_COUNT && t.count / n >= FP_MIN_SHARE && constant >= FP_MIN_CONSTANT_TOKENS) out.push(`t:${t.id}`);
  }
  // Space-Saving over-counts keys that entered late by up to `error`: count − error is a sure lower bound.
  const heavy = (prefix: string, s: { top(k: number): Array<{ key: number; count: number; error: number }> }, k: number): void => {
    for (const { key, count, error } of s.top(k)) {
      const sure = count - error;
      if (sure >= FP_MIN_COUNT && sure / n >= FP_MIN_SHARE) out.push(`${prefix}:${(key >>> 0).toString(16)}`);
    }
  };
  heavy('p', acc.prefixes, 2);
  heavy('s', acc.suffixes, 2);
  heavy('y', acc.systems, 2);
  heavy('b', acc.bands, FP_MAX_BANDS);
  return out;
}
