// Memo of /\s/ per UTF-16 unit past ASCII (0 not yet known, 1 no, 2 yes): scanners ask about every unit.
const SPACE_UNIT = new Uint8Array(65536);
const WS = /\s/;

/**
 * Whether a UTF-16 code unit is white space as JavaScript's `\s` (and `trim`, `split(/\s+/)`) sees it.
 * @internal
 *
 * Example:
 *   isWhiteSpaceUnit(0x20)   // → true
 *   isWhiteSpaceUnit(0x3000) // → true (ideographic space)
 *   isWhiteSpaceUnit(0x61)   // → false
 */
export function isWhiteSpaceUnit(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  let known = SPACE_UNIT[c] as number;
  if (known === 0) {
    known = WS.test(String.fromCharCode(c)) ? 2 : 1;
    SPACE_UNIT[c] = known;
  }
  return known === 2;
}
