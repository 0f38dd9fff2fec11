/**
 * Read one top-level field of a JSON object line without parsing the whole line: `score --workers`
 * routes each line to the worker that owns its batch, and the worker parses the record itself, so
 * the reading thread only needs the grouping field.
 *
 * The scan is one linear pass (strings, nesting and escapes are skipped, never backtracked over).
 * It answers only when it is sure, and `undefined` ("parse it") otherwise: a key written with
 * escapes, a field whose value is an object or array, anything that is not a plain object line.
 * Like JSON.parse, the last of repeated keys wins. It does not validate the rest of the line: a
 * malformed line is still found out by whoever parses it.
 *
 * Example:
 *   topLevelField('{"account":"u7","text":"hi"}', 'account') // → { value: 'u7' }
 *   topLevelField('{"text":"hi"}', 'account')                // → { value: undefined } (no such field)
 *   topLevelField('[1,2]', 'account')                        // → undefined (not sure: parse it)
 */
export function topLevelField(line: string, key: string): { value: unknown } | undefined {
  const n = line.length;
  let i = skipSpace(line, 0);
  if (line.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(line, i + 1);
  let found: { value: unknown } = { value: undefined };
  if (line.charCodeAt(i) === CLOSE_BRACE) return rest(line, i + 1) ? found : undefined;
  for (;;) {
    if (line.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = plainStringEnd(line, i);
    if (keyEnd < 0) return undefined;
    const matches = keyEnd - i - 1 === key.length && line.startsWith(key, i + 1);
    i = skipSpace(line, keyEnd + 1);
    if (line.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(line, i + 1);
    const c = line.charCodeAt(i);
    let end: number;
    if (c === QUOTE) {
      end = stringEnd(line, i);
      if (end < 0) return undefined;
      end++;
      if (matches) {
        const raw = line.slice(i, end);
        found = { value: raw.includes('\\') ? parseOrUndefined(raw) : raw.slice(1, -1) };
        if (found.value === undefined) return undefined;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (matches) return undefined;
      end = nestedEnd(line, i);
      if (end < 0) return undefined;
    } else {
      end = i;
      while (end < n && !isDelimiter(line.charCodeAt(end))) end++;
      if (end === i) return undefined;
      if (matches) {
        const v = parseOrUndefined(line.slice(i, end));
        if (v === undefined || (v !== null && typeof v === 'object')) return undefined;
        found = { value: v };
      }
    }
    i = skipSpace(line, end);
    const sep = line.charCodeAt(i);
    if (sep === COMMA) {
      i = skipSpace(line, i + 1);
      continue;
    }
    if (sep === CLOSE_BRACE) return rest(line, i + 1) ? found : undefined;
    return undefined;
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

/** JSON's white space (space, tab, line feed, carriage return), as a code unit or a byte. @internal */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDelimiter(c: number): boolean {
  return c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isJsonSpace(c);
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && isJsonSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Only whitespace from `i` on. */
function rest(s: string, i: number): boolean {
  return skipSpace(s, i) === s.length;
}

/** Index of the closing quote of the string opening at `i`, or −1 (unterminated). */
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j;
  }
  return -1;
}

/** Like stringEnd, but −1 as well for a string with escapes (a key is compared as written). */
function plainStringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === BACKSLASH) return -1;
    if (c === QUOTE) return j;
  }
  return -1;
}

/** Index just past the object or array opening at `i` (strings inside skipped), or −1. */
function nestedEnd(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) {
      j = stringEnd(s, j);
      if (j < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}

function parseOrUndefined(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
