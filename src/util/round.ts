/**
 * Round to 4 decimals: the precision of every score and metric distillscope reports.
 * @internal
 *
 * Example: round4(0.123456) // → 0.1235
 */
export const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
