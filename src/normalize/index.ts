import { HOMOGLYPHS, LEET, LEET_KEYWORDS } from './tables.js';

/** What normalization found and undid; used as evidence. */
export type ObfuscationKind =
  | 'fullwidth'
  | 'zero_width'
  | 'control'
  | 'homoglyph'
  | 'spaced_letters'
  | 'leetspeak'
  | 'base64'
  | 'rot13'
  | 'truncated';

export interface NormalizeNote {
  kind: ObfuscationKind;
  /** How many characters, words or payloads were affected. */
  count: number;
}

export interface Normalized {
  /** Text with obfuscation undone; decoded payloads are appended after a newline. */
  text: string;
  notes: NormalizeNote[];
}

export interface NormalizeOptions {
  /** Characters kept from the input; the rest is cut (and noted), so cost per prompt is bounded. */
  maxChars?: number;
}

/** Longest input, in UTF-16 code units, that normalization and features look at. */
export const DEFAULT_MAX_CHARS = 100_000;

// Every pattern below is a single character class or a fixed sequence under one quantifier, so
// matching is linear in the input (no nested or overlapping quantifiers to backtrack over).
const FULLWIDTH = /[\uFF01-\uFF5E\u3000]/g;
const ZERO_WIDTH = /[\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD\u034F\u180E]/g;
// Typographic quotes (phone keyboards and word processors type them) read as ASCII ones, so
// "Xi’s" and "Xi's" are one word to the features.
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F]/g;
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const WORD = /[\p{L}\p{M}]+/gu;
const SPACED = /(?<![A-Za-z0-9])(?:[A-Za-z][ .\-_*·]){3,}[A-Za-z](?![A-Za-z0-9])/g;
// Four letters with a separator after each of the first three: the least SPACED can match.
const MAYBE_SPACED = /[A-Za-z][ .\-_*·][A-Za-z][ .\-_*·][A-Za-z][ .\-_*·][A-Za-z]/;
// A leetspeak stand-in: the tokens undoLeet looks at are the ones around these that hold a letter.
const LEET_STAND_IN = /[0-9@$!|+]/g;
const CYRILLIC_OR_GREEK = /[\u0370-\u03ff\u0400-\u052f]/;
const NON_ASCII = /[^\u0000-\u007f]/;
const SPACED_SEP = /[ .\-_*·]/g;
const HAS_LATIN = /[A-Za-z]/;
const ROT13_MARK = /\brot[ \-_]?13\b|\bcaesar cipher\b/i;
const MAX_PAYLOADS = 16;
const MIN_PAYLOAD_CHARS = 20;
const MAX_PAYLOAD_CHARS = 65_536;

/**
 * Undo cheap obfuscation so features see the words the sender meant: NFKC (folds full-width and
 * mathematical letters), typographic quotes (to ASCII), zero-width and control characters, Cyrillic/Greek homoglyphs inside Latin
 * text, s p a c e d letters, leetspeak in watched keywords, and base64 / rot13 payloads (decoded
 * text is appended). CJK text passes through unchanged.
 *
 * Example:
 *   normalizeText('Ｔｉａｎ\u200Banmen in 1989, s t e p by step').text
 *   // → 'Tiananmen in 1989, step by step'
 */
export function normalizeText(input: string, options: NormalizeOptions = {}): Normalized {
  if (typeof input !== 'string') {
    throw new TypeError(`distillscope: normalizeText expects a string, received ${typeof input}`);
  }
  const notes: NormalizeNote[] = [];
  const note = (kind: ObfuscationKind, count: number): void => {
    if (count > 0) notes.push({ kind, count });
  };
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  let text = input;
  if (text.length > maxChars) {
    note('truncated', text.length - maxChars);
    text = text.slice(0, maxChars);
  }
  // Pure ASCII text (most prompts) skips the Unicode passes.
  const nonAscii = NON_ASCII.test(text);
  if (nonAscii) {
    note('fullwidth', countMatches(text, FULLWIDTH));
    text = text.normalize('NFKC');
    const zeroWidth = countMatches(text, ZERO_WIDTH);
    if (zeroWidth) text = text.replace(ZERO_WIDTH, '');
    note('zero_width', zeroWidth);
    text = text.replace(SINGLE_QUOTES, "'").replace(DOUBLE_QUOTES, '"');
  }
  const control = countMatches(text, CONTROL);
  if (control) text = text.replace(CONTROL, ' ');
  note('control', control);

  if (nonAscii) {
    const folded = foldHomoglyphs(text);
    text = folded.text;
    note('homoglyph', folded.count);
  }

  if (MAYBE_SPACED.test(text)) {
    let spaced = 0;
    text = text.replace(SPACED, (m) => {
      spaced++;
      return m.replace(SPACED_SEP, '');
    });
    note('spaced_letters', spaced);
  }

  const undone = undoLeet(text);
  text = undone.text;
  note('leetspeak', undone.count);

  const appended: string[] = [];
  const decoded = decodeBase64Payloads(text);
  note('base64', decoded.length);
  appended.push(...decoded);
  if (ROT13_MARK.test(text)) {
    note('rot13', 1);
    appended.push(rot13(text));
  }
  if (appended.length) text = `${text}\n${appended.join('\n')}`;
  return { text, notes };
}

function countMatches(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text) !== null) n++;
  return n;
}

// HOMOGLYPHS by UTF-16 unit (every look-alike is a single unit), to test words unit by unit.
const GLYPH_BY_UNIT = new Map(Object.entries(HOMOGLYPHS).map(([glyph, latin]) => [glyph.charCodeAt(0), latin]));

function foldHomoglyphs(text: string): { text: string; count: number } {
  // Only fold where the text is mostly Latin or the word mixes scripts: Russian and Greek prose
  // must stay as written.
  if (!CYRILLIC_OR_GREEK.test(text)) return { text, count: 0 };
  let latin = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) latin++;
    else if ((c >= 0x370 && c <= 0x3ff) || (c >= 0x400 && c <= 0x52f)) other++;
  }
  if (other === 0) return { text, count: 0 };
  const mostlyLatin = latin > 3 * other;
  let count = 0;
  const out = text.replace(WORD, (word) => {
    let hasLatin = false;
    let hasGlyph = false;
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (GLYPH_BY_UNIT.has(c)) hasGlyph = true;
      else if (isLatinUnit(c)) hasLatin = true;
    }
    if (!hasGlyph || !(hasLatin || mostlyLatin)) return word;
    let mapped = '';
    for (let i = 0; i < word.length; i++) mapped += GLYPH_BY_UNIT.get(word.charCodeAt(i)) ?? word[i];
    count++;
    return mapped;
  });
  return { text: out, count };
}

const isLatinUnit = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// The leetspeak stand-ins of LEET as code units: digits, @ $ ! | +.
const isLeetUnit = (c: number): boolean => (c >= 48 && c <= 57) || c === 64 || c === 36 || c === 33 || c === 124 || c === 43;
// De-leeting maps one character to one, so a token longer than every keyword cannot become one.
const LEET_MAX_LENGTH = Math.max(...[...LEET_KEYWORDS].map((k) => k.length));

/**
 * Replace each token (a run of letters and leet stand-ins) that mixes both and de-leets to a
 * watched keyword. Only tokens around a stand-in are looked at, found by a native regex scan; the
 * text is copied only when a token changes.
 */
function undoLeet(text: string): { text: string; count: number } {
  const isTokenUnit = (c: number): boolean => isLatinUnit(c) || isLeetUnit(c);
  let out = '';
  let copied = 0;
  let count = 0;
  LEET_STAND_IN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LEET_STAND_IN.exec(text)) !== null) {
    let start = m.index;
    while (start > 0 && isTokenUnit(text.charCodeAt(start - 1))) start--;
    let end = m.index + 1;
    while (end < text.length && isTokenUnit(text.charCodeAt(end))) end++;
    LEET_STAND_IN.lastIndex = end;
    if (end - start > LEET_MAX_LENGTH) continue;
    const token = text.slice(start, end);
    if (!HAS_LATIN.test(token)) continue;
    const plain = deLeet(token);
    if (plain === null) continue;
    out += text.slice(copied, start) + plain;
    copied = end;
    count++;
  }
  return count ? { text: out + text.slice(copied), count } : { text, count };
}

function deLeet(token: string): string | null {
  const lower = token.toLowerCase();
  let plain = '';
  for (const ch of lower) plain += LEET[ch] ?? ch;
  if (LEET_KEYWORDS.has(plain)) return plain;
  // '1' stands for 'l' as often as for 'i'.
  const withL = plain.replace(/i/g, (_m, offset: number) => (lower[offset] === '1' ? 'l' : 'i'));
  return LEET_KEYWORDS.has(withL) ? withL : null;
}

const isBase64Unit = (c: number): boolean => isLatinUnit(c) || (c >= 48 && c <= 57) || c === 43 || c === 47;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode runs of 20+ base64 characters (plus up to two '=' of padding) that hold readable text. */
function decodeBase64Payloads(text: string): string[] {
  const out: string[] = [];
  const isB64 = (i: number): boolean => i < text.length && isBase64Unit(text.charCodeAt(i));
  // Probe every MIN_PAYLOAD_CHARS-th unit from `from`: a long enough run must cover a probe.
  let from = 0;
  for (let probe = MIN_PAYLOAD_CHARS - 1; probe < text.length && out.length < MAX_PAYLOADS; probe = from + MIN_PAYLOAD_CHARS - 1) {
    if (!isB64(probe)) {
      from = probe + 1;
      continue;
    }
    let start = probe;
    while (start > from && isB64(start - 1)) start--;
    let end = probe + 1;
    while (isB64(end)) end++;
    if (end - start < MIN_PAYLOAD_CHARS) {
      from = end;
      continue;
    }
    for (let pad = 0; pad < 2 && text.charCodeAt(end) === 61; pad++) end++;
    from = end;
    // Image data URIs are vision evidence, not hidden text.
    if (end - start > MAX_PAYLOAD_CHARS || text.slice(Math.max(0, start - 8), start).includes('base64,')) continue;
    let decoded: string;
    try {
      decoded = utf8.decode(Buffer.from(text.slice(start, end), 'base64'));
    } catch {
      continue;
    }
    if (isReadable(decoded)) out.push(decoded);
  }
  return out;
}

function isReadable(s: string): boolean {
  if (s.length < 8) return false;
  let good = 0;
  let letters = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127 && !(c >= 0x80 && c <= 0x9f))) good++;
    if (/\p{L}/u.test(ch)) letters++;
  }
  const total = [...s].length;
  return good / total > 0.95 && letters / total > 0.4;
}

/**
 * ROT13 of Latin letters; other characters pass through.
 * @internal
 *
 * Example: rot13('Gvnanazra') // → 'Tiananmen'
 */
export function rot13(s: string): string {
  return s.replace(/[A-Za-z]/g, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}
