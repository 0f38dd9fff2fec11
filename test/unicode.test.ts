import { describe, expect, it } from 'vitest';
import { isWhiteSpaceUnit } from '../src/util/unicode.js';

describe('isWhiteSpaceUnit', () => {
  it('agrees with /\\s/ on every UTF-16 code unit, asked twice (the second answer comes from the memo)', () => {
    const ws = /\s/;
    for (let pass = 0; pass < 2; pass++) {
      for (let c = 0; c < 65536; c++) expect(isWhiteSpaceUnit(c), `U+${c.toString(16)}`).toBe(ws.test(String.fromCharCode(c)));
    }
  });
});
