/**
 * 32-bit FNV-1a over UTF-16 code units. Feature hashing keeps the model a fixed size whatever the
 * vocabulary, and hashing code units directly avoids allocating a substring per n-gram.
 * @internal
 */
export const FNV_OFFSET = 0x811c9dc5;

/** One FNV-1a step: fold a code unit into a running hash. @internal */
export function fnvStep(h: number, code: number): number {
  return Math.imul(h ^ code, 0x01000193) >>> 0;
}

/** Hash a whole string, starting from `seed` (a namespace). @internal */
export function hashString(s: string, seed: number = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
  return h;
}
