import type { BatchScore } from './index.js';
import { LABELS } from '../tagger/labels.js';
import type { BatchAccumulator } from './accumulator.js';
import { MARKER_NAMES } from './markers.js';
import { estimateJaccard, LshIndex } from './minhash.js';
import { pct } from '../util/round.js';

/** The batch signals, each a number in [0, 1]; the order is the combiner's feature order. */
export const SIGNAL_NAMES = Object.freeze([
  'near_duplicate',
  'exact_duplicate',
  'template_concentration',
  'scaffold_share',
  'system_prompt_share',
  'capability_focus',
  'high_value_share',
  'reasoning_trace_share',
  'grading_share',
  'censorship_rewrite_share',
  'templated_capability_share',
  'templated_marker_share',
  'timing_regularity',
  'volume',
] as const);

export type SignalName = (typeof SIGNAL_NAMES)[number];

export interface Signal {
  value: number;
  /** The signal in words, with the figures behind it. */
  reason: string;
}

export type Signals = Record<SignalName, Signal>;

/** Estimated Jaccard at or above which two prompts count as near-duplicates. */
export const NEAR_DUPLICATE_JACCARD = 0.5;
const MIN_TIMESTAMPS = 8;

const clamp = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/**
 * Turn a batch's sketches into documented signals in [0, 1], each with a reason:
 * - near_duplicate: share of sampled prompts with a different prompt within Jaccard ≥ 0.5 (MinHash + LSH);
 * - exact_duplicate: 1 − distinct/n (HyperLogLog), i.e. re-sent prompts;
 * - template_concentration: share of prompts covered by the three largest mined templates;
 * - scaffold_share: the largest share of user messages that open or close with the same 8 tokens;
 * - system_prompt_share: the largest share of prompts that carry the same system prompt;
 * The capability, marker and templated shares are read from the batch's tagged sample (every prompt
 * of a batch of up to 32; a uniform sample of 32 beyond that, so tagging cost stays bounded per batch).
 * - capability_focus: share of prompts with a capability label × (1 − normalized entropy of the labels given);
 * - high_value_share: share of prompts with any capability label;
 * - reasoning_trace_share / grading_share / censorship_rewrite_share: share of prompts carrying each extraction marker;
 * - templated_capability_share / templated_marker_share: share of prompts that fit a slotted template of the batch and
 *   target a capability / carry an extraction marker (a scaffold wrapped around high-value asks, even when it is a
 *   minority of the traffic);
 * - timing_regularity: 1 / (1 + coefficient of variation of inter-arrival gaps), over sampled timestamps (0 without timestamps);
 * - volume: log10(1 + n) / 5, capped at 1.
 *
 * Example:
 *   computeSignals(acc).template_concentration
 *   // → { value: 0.96, reason: '96% of prompts fit the top 3 templates ("Think step by step inside <think> tags. <*>")' }
 */
export function computeSignals(acc: BatchAccumulator): Signals {
  const n = Math.max(1, acc.n);

  const sample = acc.sample.items();
  const sigs = sample.map((s) => acc.signatureOf(s));
  const index = new LshIndex();
  sigs.forEach((sig, i) => index.add(i, sig));
  let near = 0;
  sample.forEach((s, i) => {
    for (const j of index.candidates(sigs[i] as Uint32Array)) {
      const o = sample[j];
      if (j !== i && o && o.exact !== s.exact && estimateJaccard(sigs[i] as Uint32Array, sigs[j] as Uint32Array) >= NEAR_DUPLICATE_JACCARD) {
        near++;
        break;
      }
    }
  });
  const nearShare = sample.length ? near / sample.length : 0;

  const distinct = Math.min(acc.n, Math.max(1, Math.round(acc.distinct.count())));
  const exactDup = acc.n > 1 ? clamp(1 - distinct / acc.n) : 0;

  // A template must have a slot: a prompt sent again word for word is a repeat (exact_duplicate), not a template.
  const slotted = acc.templates.templates().filter((t) => t.count >= 2 && t.tokens.includes('<*>') && t.tokens.some((tok) => tok !== '<*>'));
  const coverage = Math.min(1, slotted.slice(0, 3).reduce((a, t) => a + t.count, 0) / n);
  const top = slotted[0];

  // count − error: Space-Saving's sure lower bound on a heavy hitter's count.
  const topShare = (s: { top(k: number): Array<{ count: number; error: number }> }): number => {
    const top = s.top(1)[0];
    const c = top ? top.count - top.error : 0;
    return c >= 2 ? c / n : 0;
  };
  const prefix = topShare(acc.prefixes);
  const suffix = topShare(acc.suffixes);
  const system = topShare(acc.systems);
  const scaffold = Math.max(prefix, suffix);
  const scaffoldWhere = scaffold === prefix ? 'open with the same 8 words' : 'close with the same 8 words';

  // Capability, marker and templated shares come from the tagged sample (all prompts of a small batch).
  const tagged = acc.sampleCounts();
  const m = Math.max(1, tagged.size);
  const of = tagged.size < acc.n ? ` of ${tagged.size} sampled` : '';
  const labelled = tagged.size - (tagged.labels[LABELS.length] as number);
  const highValue = labelled / m;
  const given = LABELS.map((_, i) => tagged.labels[i] as number);
  const totalGiven = given.reduce((a, b) => a + b, 0);
  let entropy = 0;
  for (const c of given) if (c > 0) entropy -= (c / totalGiven) * Math.log(c / totalGiven);
  const focus = totalGiven ? highValue * (1 - entropy / Math.log(LABELS.length)) : 0;
  const mainLabel = LABELS[given.indexOf(Math.max(...given))] ?? 'none';
  const perLabel = LABELS.flatMap((l, i) => ((given[i] as number) > 0 ? [`${l} ${given[i]}`] : [])).join(', ');

  const marker = (name: (typeof MARKER_NAMES)[number]): number => (tagged.markers[MARKER_NAMES.indexOf(name)] as number) / m;
  const templatedCapability = tagged.templatedCapability / m;
  const templatedMarker = tagged.templatedMarker / m;

  const times = acc.times.items().sort((a, b) => a - b);
  let regularity = 0;
  let cv = Number.NaN;
  if (times.length >= MIN_TIMESTAMPS) {
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    cv = mean > 0 ? sd / mean : 0;
    regularity = mean > 0 ? 1 / (1 + cv) : 1;
  }

  return {
    near_duplicate: { value: nearShare, reason: `${pct(nearShare)} of ${sample.length} sampled prompts have a near-duplicate (Jaccard ≥ ${NEAR_DUPLICATE_JACCARD}) that is not an exact copy` },
    exact_duplicate: { value: exactDup, reason: `${pct(exactDup)} of prompts are exact repeats (about ${distinct} distinct of ${acc.n})` },
    template_concentration: { value: coverage, reason: `${pct(coverage)} of prompts fit the top 3 templates${top && coverage > 0 ? ` ("${truncate(top.text, 90)}")` : ''}` },
    scaffold_share: { value: scaffold, reason: scaffold ? `${pct(scaffold)} of user messages ${scaffoldWhere}` : 'no shared opening or closing in user messages' },
    system_prompt_share: { value: system, reason: system ? `${pct(system)} of prompts carry the same system prompt` : 'no repeated system prompt' },
    capability_focus: { value: focus, reason: `labelled prompts concentrate on ${mainLabel} (${pct(focus)} focus; ${pct(highValue)} carry a capability label)` },
    high_value_share: { value: highValue, reason: `${pct(highValue)} of prompts target a capability (${perLabel || 'none'}${of})` },
    reasoning_trace_share: { value: marker('reasoning_trace'), reason: `${pct(marker('reasoning_trace'))} of prompts ask for written-out reasoning traces` },
    grading_share: { value: marker('grading'), reason: `${pct(marker('grading'))} of prompts ask for rubric grading or judging` },
    censorship_rewrite_share: { value: marker('censorship_rewrite'), reason: `${pct(marker('censorship_rewrite'))} of prompts ask for censorship-safe rewrites or the official line` },
    templated_capability_share: {
      value: templatedCapability,
      reason: `${pct(templatedCapability)} of prompts are templated and target a capability`,
    },
    templated_marker_share: {
      value: templatedMarker,
      reason: `${pct(templatedMarker)} of prompts are templated and ask for reasoning traces, grading or compliant rewrites`,
    },
    timing_regularity: {
      value: regularity,
      reason: times.length >= MIN_TIMESTAMPS ? `inter-arrival gaps vary by ${cv.toFixed(2)}× their mean over ${times.length} sampled timestamps` : `too few timestamps (${acc.withTs}) to judge timing`,
    },
    volume: { value: Math.min(1, Math.log10(1 + acc.n) / 5), reason: `${acc.n} prompts in the batch` },
  };
}

/** Shorten a long template from the middle, so its opening and its closing slot both show. */
function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const tail = Math.floor(max / 3);
  return `${s.slice(0, max - tail - 1)}…${s.slice(s.length - tail)}`;
}

/** Rebuild signal objects from a scored batch (values, and reasons when the library kept them). @internal */
export function signalsOf(b: BatchScore): Signals {
  return Object.fromEntries(
    SIGNAL_NAMES.map((k) => [k, { value: b.signals[k], reason: b.signalReasons?.[k] ?? `${k} ${b.signals[k]}` }]),
  ) as Signals;
}
