import { hashString } from '../features/hash.js';
import { LABELS, type Label } from '../tagger/labels.js';
import { MARKER_NAMES } from './markers.js';
import { DEFAULT_LSH, lshBandKeys, wordShingleSignature } from './minhash.js';
import { BottomK, HyperLogLog, SpaceSaving } from './sketches.js';
import { TemplateMiner } from './templates.js';
import { isWhiteSpaceUnit } from '../util/unicode.js';

/** What the batch scorer keeps of one prompt after tagging it. */
export interface PromptView {
  /** Whole record text (system + turns), used for templates and near-duplicates. */
  text: string;
  /** What the user sent (the whole text for plain records): scaffolds wrapped around the ask show here. */
  userText?: string;
  /** System prompt text, if any. */
  systemText: string;
  /** The tagger's labels; or leave them out and give `analyze`. */
  labels?: readonly Label[];
  /** Extraction-marker bit set (see markers.ts); with `labels`. */
  markers?: number;
  /**
   * Tags the prompt on demand: called when the prompt enters the batch's tagged sample, so a large
   * batch tags a bounded number of prompts (the capability and marker shares are read from the sample).
   */
  analyze?: () => PromptTags;
  /**
   * Tags the prompt later: for a prompt that enters the tagged sample but is likely to be pushed out
   * of it again (see `DEFER_ABOVE`), the accumulator calls this instead of `analyze` and keeps the
   * function it returns, to run only if the prompt is still in the sample when the batch is read
   * (without `analyze`, other prompts entering the sample run it at once).
   * The function stays in memory until then: it should hold only a capped copy of the prompt.
   */
  deferTag?: () => () => PromptTags;
  /** Milliseconds since the epoch, when the record had a usable `ts`. */
  ts?: number;
}

/** The tagger's labels and extraction-marker bits for one prompt. */
export interface PromptTags {
  labels: readonly Label[];
  markers: number;
}

/** Sizes of the bounded per-batch sketches. */
export interface SketchSizes {
  /** Prompts kept (as MinHash signatures) for near-duplicate structure. */
  sample: number;
  /**
   * Prompts tagged for the capability, marker and templated shares: every prompt of a batch up to
   * this size, a uniform sample beyond it (the tagger is the costliest step of scoring).
   */
  tagged: number;
  /** Timestamps kept for timing regularity. */
  tsSample: number;
  /** Heavy-hitter capacity for prefixes, suffixes, system prompts and LSH band keys. */
  heavy: number;
  /** Templates the miner keeps. */
  templates: number;
  /** Prompt texts kept for the semantic signal (0 = none: only with an embedder). */
  semantic?: number;
}

export const DEFAULT_SKETCH_SIZES: Readonly<SketchSizes> = Object.freeze({ sample: 64, tagged: 32, tsSample: 128, heavy: 24, templates: 12 });
/** Texts sampled per batch for the semantic signal when an embedder is given. */
export const SEMANTIC_SAMPLE = 16;
/** Characters kept of each sampled text (its opening: the scaffold and the ask). */
const SEMANTIC_CHARS = 1000;

/**
 * Characters of a prompt that the template miner and MinHash read, half from its start and half from
 * its end: a long agent preamble opens a prompt and the task closes it, and a batch's structure shows
 * in both without reading every line of a pasted file. Exact repeats are judged on the whole text.
 */
export const SKETCH_CHARS = 1200;

/** The first and last `max / 2` characters of a long text, joined by a newline. @internal */
export function headAndTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = max >> 1;
  return `${text.slice(0, half)}\n${text.slice(text.length - half)}`;
}

const SIG_SCRATCH = new Uint32Array(DEFAULT_LSH.numHashes);

/** Tokens of a scaffold prefix or suffix. */
const AFFIX_TOKENS = 8;

/**
 * The first and the last `k` whitespace-separated tokens of a text, lower-cased and joined by single
 * spaces, when it has at least 2k tokens (so the two never overlap); read from both ends, so a long
 * prompt is not split whole. Same result as `text.trim().toLowerCase().split(/\s+/)` then slicing.
 * @internal
 */
export function affixesOf(text: string, k: number): [string, string] | undefined {
  const head: string[] = [];
  let i = 0;
  let headEnd = 0;
  while (head.length < k) {
    while (i < text.length && isWhiteSpaceUnit(text.charCodeAt(i))) i++;
    if (i >= text.length) return undefined;
    const start = i;
    while (i < text.length && !isWhiteSpaceUnit(text.charCodeAt(i))) i++;
    head.push(text.slice(start, i));
    headEnd = i;
  }
  const tail: string[] = [];
  let j = text.length;
  while (tail.length < k) {
    while (j > headEnd && isWhiteSpaceUnit(text.charCodeAt(j - 1))) j--;
    if (j <= headEnd) return undefined;
    const end = j;
    // Stops after a space at headEnd at the latest (the head's last token ended on one).
    while (j > headEnd && !isWhiteSpaceUnit(text.charCodeAt(j - 1))) j--;
    tail.push(text.slice(j, end));
  }
  return [head.join(' ').toLowerCase(), tail.reverse().join(' ').toLowerCase()];
}

/** One sampled prompt: where its MinHash signature sits in the batch's signature slab, and its exact-text hash. */
export interface Sampled {
  slot: number;
  exact: number;
}

/**
 * When a prompt's tagging may wait until the batch is read (`PromptView.deferTag`): when it is likely
 * to be pushed out of the tagged sample again by later prompts, so that tagging it now would be
 * wasted. Sampling keys are uniform 32-bit hashes. Once the sample is full, a prompt enters it when
 * its key is below the sample's bound, and one whose key is above `DEFER_ABOVE` of the bound waits;
 * until then every prompt enters, and one whose key is above `DEFER_EARLY` of the key range waits
 * (it stays only if the batch ends small). On the batch sizes of the benchmark traffic (905 batches,
 * mean 117 prompts), simulated with uniform keys: 0.265 tags per prompt and about 10 untagged copies
 * per batch at the end, against 0.353 and 2.5 when only a full sample defers, and 0.22 and 26 when
 * every entry defers.
 */
const DEFER_ABOVE = 0.5;
const DEFER_EARLY = 0.3 * 2 ** 32;

/** What the tagger made of one sampled prompt. */
interface Tagged {
  /** Label bit set (bit i = LABELS[i]; 0 = no label). */
  labels: number;
  /** Extraction-marker bit set. */
  markers: number;
  /** The prompt joined a slotted template that others had founded. */
  templated: boolean;
  /** Tags not read yet (`PromptView.deferTag`): run once, when the batch is read. */
  pending?: (() => PromptTags) | undefined;
}

function labelBits(labels: readonly Label[]): number {
  let bits = 0;
  LABELS.forEach((l, i) => {
    if (labels.includes(l)) bits |= 1 << i;
  });
  return bits;
}

/**
 * Bounded, mergeable state of one batch (an account, key, session or window): counts, sketches and
 * samples, never every text. Two accumulators over two halves of a batch merge into the same
 * summary as one over the whole (exactly for counts, as estimates for the sketches), so a log can
 * be scored in shards.
 * @internal
 *
 * Example:
 *   const acc = new BatchAccumulator();
 *   acc.add({ text: 'Think step by step: 2+2?', systemText: '', labels: ['reasoning'], markers: 1 }, 7);
 *   acc.n // → 1
 */
export class BatchAccumulator {
  n = 0;
  withTs = 0;
  readonly distinct = new HyperLogLog();
  readonly prefixes: SpaceSaving<number>;
  readonly suffixes: SpaceSaving<number>;
  readonly systems: SpaceSaving<number>;
  readonly bands: SpaceSaving<number>;
  readonly templates: TemplateMiner;
  readonly sample: BottomK<Sampled>;
  /**
   * The sampled prompts' signatures, one slot of `DEFAULT_LSH.numHashes` each, in one buffer: a slot
   * is reused when its prompt leaves the sample (one allocation per batch, not one per sampled prompt).
   */
  readonly #sigs: Uint32Array;
  readonly #freeSlots: number[];
  readonly tagged: BottomK<Tagged>;
  readonly times: BottomK<number>;
  /** User texts for the semantic signal, when `sizes.semantic` > 0. */
  readonly texts: BottomK<string> | undefined;

  constructor(readonly sizes: SketchSizes = DEFAULT_SKETCH_SIZES) {
    this.prefixes = new SpaceSaving<number>(sizes.heavy);
    this.suffixes = new SpaceSaving<number>(sizes.heavy);
    this.systems = new SpaceSaving<number>(sizes.heavy);
    this.bands = new SpaceSaving<number>(sizes.heavy);
    this.templates = new TemplateMiner({ maxTemplates: sizes.templates });
    this.sample = new BottomK<Sampled>(sizes.sample);
    // One spare slot: a new prompt's signature is written before the prompt it replaces leaves.
    this.#sigs = new Uint32Array((sizes.sample + 1) * DEFAULT_LSH.numHashes);
    this.#freeSlots = Array.from({ length: sizes.sample + 1 }, (_, i) => sizes.sample - i);
    this.tagged = new BottomK<Tagged>(sizes.tagged);
    this.times = new BottomK<number>(sizes.tsSample);
    this.texts = sizes.semantic ? new BottomK<string>(sizes.semantic) : undefined;
  }

  /**
   * Add one prompt. `seq` makes the sampling key unique per record (the input line number works);
   * keys are hashes, so any shard can sample independently and the merge stays uniform.
   */
  add(p: PromptView, seq: number): void {
    this.n++;
    // Judged when the prompt arrives: a scaffold's first prompt founds its template and is not counted.
    const head = headAndTail(p.text, SKETCH_CHARS);
    const t = this.templates.add(head);
    const templated = t.count >= 2 && t.tokens.includes('<*>');
    const exact = hashString(p.text.trim().toLowerCase());
    this.distinct.add(exact);
    const affixes = affixesOf(p.userText ?? p.text, AFFIX_TOKENS);
    if (affixes) {
      this.prefixes.add(hashString(affixes[0]));
      this.suffixes.add(hashString(affixes[1]));
    }
    if (p.systemText.trim()) this.systems.add(hashString(p.systemText.trim().toLowerCase()));
    // Signed into scratch space; only a prompt that enters the sample keeps a copy.
    const sig = wordShingleSignature(head, SIG_SCRATCH);
    for (const k of lshBandKeys(sig, DEFAULT_LSH.bands, DEFAULT_LSH.rows)) this.bands.add(k);
    const key = hashString(String(seq), exact);
    if (this.sample.admits(key)) this.#keepSample(key, sig, exact);
    if (this.tagged.admits(key)) {
      const deferAbove = this.tagged.size === this.tagged.capacity ? this.tagged.bound() * DEFER_ABOVE : DEFER_EARLY;
      if (!p.labels && p.deferTag && key > deferAbove) {
        this.tagged.add(key, { labels: 0, markers: 0, templated, pending: p.deferTag() });
      } else {
        const tags = p.labels ? { labels: p.labels, markers: p.markers ?? 0 } : p.analyze ? p.analyze() : p.deferTag ? p.deferTag()() : { labels: [], markers: 0 };
        this.tagged.add(key, { labels: labelBits(tags.labels), markers: tags.markers, templated });
      }
    }
    this.texts?.add(key, (p.userText ?? p.text).slice(0, SEMANTIC_CHARS));
    if (p.ts !== undefined && Number.isFinite(p.ts)) {
      this.withTs++;
      this.times.add(key, p.ts);
    }
  }

  /** A sampled prompt's MinHash signature (a view into the batch's slab). */
  signatureOf(s: Sampled): Uint32Array {
    const h = DEFAULT_LSH.numHashes;
    return this.#sigs.subarray(s.slot * h, (s.slot + 1) * h);
  }

  #keepSample(key: number, sig: Uint32Array, exact: number): void {
    const slot = this.#freeSlots.pop() as number;
    this.#sigs.set(sig, slot * DEFAULT_LSH.numHashes);
    const out = this.sample.offer(key, { slot, exact });
    if (out) this.#freeSlots.push(out.slot);
  }

  /**
   * Label, marker and templated counts over the tagged sample (every prompt while the batch has at
   * most `sizes.tagged`): `labels[i]` prompts carry LABELS[i], `labels[LABELS.length]` carry none.
   */
  sampleCounts(): { size: number; labels: number[]; markers: number[]; templatedCapability: number; templatedMarker: number } {
    const labels = new Array<number>(LABELS.length + 1).fill(0);
    const markers = new Array<number>(MARKER_NAMES.length).fill(0);
    let templatedCapability = 0;
    let templatedMarker = 0;
    const items = this.tagged.items();
    for (const s of items) {
      if (s.pending) {
        const tags = s.pending();
        s.labels = labelBits(tags.labels);
        s.markers = tags.markers;
        s.pending = undefined;
      }
      LABELS.forEach((_, i) => {
        if (s.labels & (1 << i)) labels[i] = (labels[i] as number) + 1;
      });
      if (!s.labels) labels[LABELS.length] = (labels[LABELS.length] as number) + 1;
      MARKER_NAMES.forEach((_, i) => {
        if (s.markers & (1 << i)) markers[i] = (markers[i] as number) + 1;
      });
      if (s.templated && s.labels) templatedCapability++;
      if (s.templated && s.markers) templatedMarker++;
    }
    return { size: items.length, labels, markers, templatedCapability, templatedMarker };
  }

  /** Fold another accumulator of the same batch into this one. */
  merge(o: BatchAccumulator): this {
    this.n += o.n;
    this.withTs += o.withTs;
    this.distinct.merge(o.distinct);
    this.prefixes.merge(o.prefixes);
    this.suffixes.merge(o.suffixes);
    this.systems.merge(o.systems);
    this.bands.merge(o.bands);
    this.templates.merge(o.templates);
    for (const { key, item } of o.sample.entries()) {
      if (this.sample.admits(key)) this.#keepSample(key, o.signatureOf(item), item.exact);
    }
    this.tagged.merge(o.tagged);
    this.times.merge(o.times);
    if (this.texts && o.texts) this.texts.merge(o.texts);
    return this;
  }
}
