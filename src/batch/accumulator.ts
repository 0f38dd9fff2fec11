import { hashString } from '../features/hash.js';
import { LABELS, type Label } from '../tagger/labels.js';
import { MARKER_NAMES } from './markers.js';
import { DEFAULT_LSH, lshBandKeys, minhashSignature, shingleHashes } from './minhash.js';
import { BottomK, HyperLogLog, SpaceSaving } from './sketches.js';
import { TemplateMiner } from './templates.js';

/** What the batch scorer keeps of one prompt after tagging it. */
export interface PromptView {
  /** Whole record text (system + turns), used for templates and near-duplicates. */
  text: string;
  /** What the user sent (the whole text for plain records): scaffolds wrapped around the ask show here. */
  userText?: string;
  /** System prompt text, if any. */
  systemText: string;
  labels: readonly Label[];
  /** Extraction-marker bit set (see markers.ts). */
  markers: number;
  /** Milliseconds since the epoch, when the record had a usable `ts`. */
  ts?: number;
}

/** Sizes of the bounded per-batch sketches. */
export interface SketchSizes {
  /** Prompts kept (as MinHash signatures) for near-duplicate structure. */
  sample: number;
  /** Timestamps kept for timing regularity. */
  tsSample: number;
  /** Heavy-hitter capacity for prefixes, suffixes, system prompts and LSH band keys. */
  heavy: number;
  /** Templates the miner keeps. */
  templates: number;
  /** Prompt texts kept for the semantic signal (0 = none: only with an embedder). */
  semantic?: number;
}

export const DEFAULT_SKETCH_SIZES: Readonly<SketchSizes> = Object.freeze({ sample: 64, tsSample: 128, heavy: 24, templates: 12 });
/** Texts sampled per batch for the semantic signal when an embedder is given. */
export const SEMANTIC_SAMPLE = 16;
/** Characters kept of each sampled text (its opening: the scaffold and the ask). */
const SEMANTIC_CHARS = 1000;

/** Tokens of a scaffold prefix or suffix. */
const AFFIX_TOKENS = 8;
const WS = /\s+/;

interface Sampled {
  sig: Uint32Array;
  exact: number;
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
  /** Prompts per label, then prompts with no label (index LABELS.length). */
  readonly labelCounts = new Array<number>(LABELS.length + 1).fill(0);
  readonly markerCounts = new Array<number>(MARKER_NAMES.length).fill(0);
  withTs = 0;
  /** Prompts that joined a slotted template and target a capability / carry an extraction marker. */
  templatedCapability = 0;
  templatedMarker = 0;
  readonly distinct = new HyperLogLog();
  readonly prefixes: SpaceSaving<number>;
  readonly suffixes: SpaceSaving<number>;
  readonly systems: SpaceSaving<number>;
  readonly bands: SpaceSaving<number>;
  readonly templates: TemplateMiner;
  readonly sample: BottomK<Sampled>;
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
    this.times = new BottomK<number>(sizes.tsSample);
    this.texts = sizes.semantic ? new BottomK<string>(sizes.semantic) : undefined;
  }

  /**
   * Add one prompt. `seq` makes the sampling key unique per record (the input line number works);
   * keys are hashes, so any shard can sample independently and the merge stays uniform.
   */
  add(p: PromptView, seq: number): void {
    this.n++;
    let any = false;
    LABELS.forEach((l, i) => {
      if (p.labels.includes(l)) {
        this.labelCounts[i] = (this.labelCounts[i] as number) + 1;
        any = true;
      }
    });
    if (!any) this.labelCounts[LABELS.length] = (this.labelCounts[LABELS.length] as number) + 1;
    // Judged when the prompt arrives: a scaffold's first prompt founds its template and is not counted.
    const t = this.templates.add(p.text);
    if (t.count >= 2 && t.tokens.includes('<*>')) {
      if (any) this.templatedCapability++;
      if (p.markers) this.templatedMarker++;
    }
    MARKER_NAMES.forEach((_, i) => {
      if (p.markers & (1 << i)) this.markerCounts[i] = (this.markerCounts[i] as number) + 1;
    });
    const flat = p.text.trim().toLowerCase();
    const exact = hashString(flat);
    this.distinct.add(exact);
    const tokens = (p.userText ?? p.text).trim().toLowerCase().split(WS);
    if (tokens.length >= 2 * AFFIX_TOKENS) {
      this.prefixes.add(hashString(tokens.slice(0, AFFIX_TOKENS).join(' ')));
      this.suffixes.add(hashString(tokens.slice(-AFFIX_TOKENS).join(' ')));
    }
    if (p.systemText.trim()) this.systems.add(hashString(p.systemText.trim().toLowerCase()));
    const sig = minhashSignature(shingleHashes(flat), DEFAULT_LSH.numHashes);
    for (const k of lshBandKeys(sig, DEFAULT_LSH.bands, DEFAULT_LSH.rows)) this.bands.add(k);
    const key = hashString(String(seq), exact);
    this.sample.add(key, { sig, exact });
    this.texts?.add(key, (p.userText ?? p.text).slice(0, SEMANTIC_CHARS));
    if (p.ts !== undefined && Number.isFinite(p.ts)) {
      this.withTs++;
      this.times.add(key, p.ts);
    }
  }

  /** Fold another accumulator of the same batch into this one. */
  merge(o: BatchAccumulator): this {
    this.n += o.n;
    o.labelCounts.forEach((c, i) => (this.labelCounts[i] = (this.labelCounts[i] as number) + c));
    o.markerCounts.forEach((c, i) => (this.markerCounts[i] = (this.markerCounts[i] as number) + c));
    this.withTs += o.withTs;
    this.templatedCapability += o.templatedCapability;
    this.templatedMarker += o.templatedMarker;
    this.distinct.merge(o.distinct);
    this.prefixes.merge(o.prefixes);
    this.suffixes.merge(o.suffixes);
    this.systems.merge(o.systems);
    this.bands.merge(o.bands);
    this.templates.merge(o.templates);
    this.sample.merge(o.sample);
    this.times.merge(o.times);
    if (this.texts && o.texts) this.texts.merge(o.texts);
    return this;
  }
}
