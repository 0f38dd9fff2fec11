/** The capability labels, in output order. */
export const LABELS = Object.freeze(['reasoning', 'tool_use', 'coding', 'vision', 'censorship_probing'] as const);

export type Label = (typeof LABELS)[number];

/** The class a prompt with no label falls in, for evaluation. */
export const NONE = 'none';

/** Type guard for a label name. */
export function isLabel(s: unknown): s is Label {
  return typeof s === 'string' && (LABELS as readonly string[]).includes(s);
}
