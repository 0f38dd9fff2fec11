import type { CueHit } from '../features/cues.js';

/**
 * Extraction markers: what a distillation campaign asks for beyond the capability itself.
 * Each marker is a set of cues (see features/cues.ts); a prompt carries the marker when any fires.
 */
export const MARKERS = Object.freeze({
  /** Written-out chain-of-thought: "<think>", "show your reasoning", "step by step", 推理过程 … */
  reasoning_trace: ['think_tags', 'chain_of_thought', 'chain_of_thought_zh', 'step_by_step', 'step_by_step_zh'],
  /** The model as judge or reward model: rubrics, scores, "which response is better". */
  grading: ['rubric_grading', 'rubric_grading_zh'],
  /** Censorship-safe rewrites and official-line answers on PRC-sensitive topics. */
  censorship_rewrite: ['compliance_rewrite', 'compliance_rewrite_zh'],
} as const);

export type Marker = keyof typeof MARKERS;
export const MARKER_NAMES = Object.freeze(Object.keys(MARKERS) as Marker[]);

const BY_CUE = new Map<string, number>();
MARKER_NAMES.forEach((m, i) => {
  for (const cue of MARKERS[m]) BY_CUE.set(cue, (BY_CUE.get(cue) ?? 0) | (1 << i));
});

/**
 * The markers a prompt carries, as a bit set (bit i = MARKER_NAMES[i]).
 *
 * Example:
 *   markerBits(findCues('Put your reasoning inside <think></think>.')) // → 1 (reasoning_trace)
 */
export function markerBits(cues: readonly CueHit[]): number {
  let bits = 0;
  for (const c of cues) bits |= BY_CUE.get(c.name) ?? 0;
  return bits;
}
