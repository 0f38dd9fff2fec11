/**
 * Round to 4 decimals: the precision of every score and metric distillscope reports.
 * @internal
 *
 * Example: round4(0.123456) // → 0.1235
 */
export const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * A share as a whole percentage, for reasons in words.
 * @internal
 *
 * Example: pct(0.956) // → '96%'
 */
export const pct = (x: number): string => `${Math.round(x * 100)}%`;
