import { describe, expect, it } from 'vitest';
import { topLevelField } from '../src/io/json-field.js';
import { createRng } from '../src/util/rng.js';

/** What JSON.parse says the field is; `invalid` for a line it rejects. */
function byParse(line: string, key: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'invalid';
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

const LINES = [
  '{"account":"u0069","ts":1767573470684,"text":"What period is this vase from?","sim":{"kind":"mixed_user"}}',
  '{"text":"hi","account":"acct-7"}',
  '{ "account" : "spaced" , "text" : "x" }',
  '{"messages":[{"role":"user","content":"{\\"account\\":\\"inner\\"}"}],"account":"outer"}',
  '{"meta":{"account":"nested"},"text":"no top-level account"}',
  '{"account":"first","account":"last"}',
  '{"account":42,"text":"numbered"}',
  '{"account":-1.5e3}',
  '{"account":null,"text":"null account"}',
  '{"account":true}',
  '{"account":"","text":"empty"}',
  '{"account":"caf\\u00e9 \\"q\\" \\\\ back"}',
  '{"account":"中文账户","text":"你好"}',
  '{"acc\\u006funt":"escaped key"}',
  '{"account":{"id":1}}',
  '{"account":[1,2]}',
  '{}',
  '  {"account":"leading space"}  ',
  '{"text":"a } brace and a ] bracket in a string, and \\" quotes","account":"tricky"}',
  '["account","array"]',
  '"just a string"',
  '{"account":"unterminated}',
  '{"account":"x",}',
  '{"account":"x" "text":"y"}',
  '{"account":"x"} trailing',
  '{"account":tru}',
  '{"text":"x","account":"y"',
];

describe('topLevelField', () => {
  it('agrees with JSON.parse whenever it answers, and answers on ordinary records', () => {
    for (const line of LINES) {
      const got = topLevelField(line, 'account');
      if (got === undefined) continue;
      const want = byParse(line, 'account');
      // A line the scanner reads but JSON.parse rejects is routed and then reported by its parser.
      if (want !== 'invalid') expect(got.value, line).toEqual(want);
    }
    expect(topLevelField(LINES[0] as string, 'account')).toEqual({ value: 'u0069' });
    expect(topLevelField(LINES[3] as string, 'account')).toEqual({ value: 'outer' });
    expect(topLevelField(LINES[4] as string, 'account')).toEqual({ value: undefined });
    expect(topLevelField(LINES[5] as string, 'account')).toEqual({ value: 'last' });
    expect(topLevelField(LINES[11] as string, 'account')).toEqual({ value: 'café "q" \\ back' });
  });

  it('says "not sure" for escaped keys, nested values, non-objects and broken lines', () => {
    for (const line of ['{"acc\\u006funt":"escaped key"}', '{"account":{"id":1}}', '{"account":[1,2]}', '["account","array"]', '"just a string"', '{"account":"unterminated}', '{"account":"x" "text":"y"}', '{"account":"x"} trailing', '{"account":tru}']) {
      expect(topLevelField(line, 'account'), line).toBeUndefined();
    }
  });

  it('never disagrees with JSON.parse on 20,000 mutated records', () => {
    const rand = createRng(99);
    const specials = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'a', '1', 'account', '"account":', 'null', '\u00e9', '\n'];
    let answered = 0;
    for (let t = 0; t < 20_000; t++) {
      let line = LINES[Math.floor(rand() * LINES.length)] as string;
      const edits = Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * (line.length + 1));
        const cut = rand() < 0.5 ? 1 : 0;
        line = line.slice(0, at) + (rand() < 0.7 ? (specials[Math.floor(rand() * specials.length)] as string) : '') + line.slice(at + cut);
      }
      const got = topLevelField(line, 'account');
      if (got === undefined) continue;
      const want = byParse(line, 'account');
      if (want === 'invalid') continue;
      answered++;
      expect(got.value, line).toEqual(want);
    }
    expect(answered).toBeGreaterThan(5000);
  });

  it('stays linear on a huge or adversarial line', () => {
    const huge = `{"text":"${'x\\"'.repeat(500_000)}","account":"big"}`;
    const deep = `{"a":${'['.repeat(200_000)}${']'.repeat(200_000)},"account":"deep"}`;
    const started = performance.now();
    expect(topLevelField(huge, 'account')).toEqual({ value: 'big' });
    expect(topLevelField(deep, 'account')).toEqual({ value: 'deep' });
    expect(topLevelField('{"a":"' + '\\'.repeat(300_001), 'account')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
