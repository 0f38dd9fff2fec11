import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sigmoid } from '../train/logreg.js';
import { SEMANTIC_SIGNAL_NAMES, type SemanticSignals } from './semantic.js';
import { SIGNAL_NAMES, type Signals } from './signals.js';

export const COMBINER_FORMAT = 'distillscope-combiner';

/** Features the combiner reads: the signals, a few interactions, and (linked variant) campaign evidence. */
export const SOLO_FEATURES = Object.freeze([
  ...SIGNAL_NAMES,
  'template_x_high_value',
  'near_duplicate_x_high_value',
  'scaffold_x_high_value',
  'marker_max',
  'template_x_marker',
  'scaffold_x_marker',
] as const);
export const LINKED_FEATURES = Object.freeze([...SOLO_FEATURES, 'campaign_breadth', 'campaign_peer_score'] as const);
/** The semantic heads read the same features plus the semantic signals (batch/semantic.ts). */
export const SEMANTIC_FEATURES = SEMANTIC_SIGNAL_NAMES;

export type Variant = 'solo' | 'linked';

/** Campaign evidence from linking, for the linked variant. */
export interface LinkEvidence {
  /** Other batches in the same campaign cluster. */
  peers: number;
  /** Highest solo score among those peers. */
  peerScore: number;
}

export interface CombinerHead {
  features: string[];
  weights: number[];
  bias: number;
  /** Score cut-offs for the levels: at or above `high` → high, at or above `medium` → medium. */
  levels: { medium: number; high: number };
}

export interface CombinerModel {
  format: typeof COMBINER_FORMAT;
  version: 1;
  solo: CombinerHead;
  linked: CombinerHead;
  /** Heads that also read the semantic signals, trained when the training traffic was embedded (keyed by embedder id). */
  semantic?: Record<string, { solo: CombinerHead; linked: CombinerHead }>;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/** Feature vector for a batch, in the order of the variant's feature list. @internal */
export function featureVector(signals: Signals, variant: Variant, link?: LinkEvidence, semantic?: SemanticSignals): number[] {
  const base = lexicalFeatures(signals, variant, link);
  return semantic ? [...base, ...SEMANTIC_SIGNAL_NAMES.map((k) => semantic.values[k])] : base;
}

/** The head a batch is scored with: the semantic one for its embedder when it has semantic signals and the combiner has one. @internal */
export function headFor(combiner: CombinerModel, variant: Variant, semantic?: SemanticSignals): { head: CombinerHead; semantic?: SemanticSignals } {
  const heads = semantic ? combiner.semantic?.[semantic.embedder] : undefined;
  return heads && semantic ? { head: heads[variant], semantic } : { head: combiner[variant] };
}

function lexicalFeatures(signals: Signals, variant: Variant, link?: LinkEvidence): number[] {
  const v = (k: keyof Signals): number => signals[k].value;
  const hv = v('high_value_share');
  const marker = Math.max(v('reasoning_trace_share'), v('grading_share'), v('censorship_rewrite_share'));
  const solo = [
    ...SIGNAL_NAMES.map((k) => v(k)),
    v('template_concentration') * hv,
    v('near_duplicate') * hv,
    v('scaffold_share') * hv,
    marker,
    v('template_concentration') * marker,
    v('scaffold_share') * marker,
  ];
  if (variant === 'solo') return solo;
  const peers = link?.peers ?? 0;
  return [...solo, Math.min(1, Math.log2(1 + peers) / 6), link?.peerScore ?? 0];
}

/** The contribution of each feature to a head's margin, for reasons. @internal */
export function contributions(head: CombinerHead, x: number[]): Array<{ feature: string; value: number }> {
  return head.features.map((f, i) => ({ feature: f, value: (head.weights[i] as number) * (x[i] as number) }));
}

/** Calibrated probability from a head. */
export function applyHead(head: CombinerHead, x: number[]): number {
  let m = head.bias;
  for (let i = 0; i < head.weights.length; i++) m += (head.weights[i] as number) * (x[i] as number);
  return sigmoid(m);
}

/** Level of a score under a head's cut-offs. */
export function levelOf(head: CombinerHead, score: number): 'low' | 'medium' | 'high' {
  return score >= head.levels.high ? 'high' : score >= head.levels.medium ? 'medium' : 'low';
}

/** The shipped combiner, found from this module's URL. */
export function defaultCombinerPath(): string {
  return fileURLToPath(new URL('../../models/combiner/combiner.json', import.meta.url));
}

/** Load a combiner file; throws naming the path and what is wrong. */
export function loadCombiner(path: string = defaultCombinerPath()): CombinerModel {
  let m: CombinerModel;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as CombinerModel;
  } catch (err) {
    throw new Error(`distillscope: cannot read combiner "${path}": ${(err as Error).message}`);
  }
  if (m.format !== COMBINER_FORMAT || m.version !== 1) throw new Error(`distillscope: "${path}" is not a ${COMBINER_FORMAT} v1 file`);
  for (const [variant, names] of [['solo', SOLO_FEATURES], ['linked', LINKED_FEATURES]] as const) {
    if (JSON.stringify(m[variant].features) !== JSON.stringify(names)) {
      throw new Error(`distillscope: combiner "${path}" (${variant}) was trained on other features; retrain it with npm run train:combiner`);
    }
  }
  return m;
}
