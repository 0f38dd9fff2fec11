import { FNV_OFFSET, fnvStep } from './hash.js';
import { porterStem } from './porter.js';

/**
 * Word tokens for the hashed n-gram features. Latin words are lower-cased and Porter-stemmed
 * (natural's stemmer, transcribed in porter.ts); numbers become `<num>` so that "3 apples" and
 * "17 apples" share features; Chinese and Japanese runs, which have no spaces, become single
 * characters plus adjacent-character bigrams.
 */

// A token is a run of CJK characters, or else a run of word characters (which may take in CJK ones).
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const WORD_CHAR = /[\p{L}\p{M}\p{N}_']/u;
const KNOWN = 1;
const CJK = 2;
const WORD = 4;
// Class bits per BMP code point (KNOWN | CJK? | WORD?), filled in on first sight: the scanner asks about every character.
const BMP_CLASS = new Uint8Array(65536);

function classOf(cp: number): number {
  if (cp > 0xffff) return classify(String.fromCodePoint(cp));
  let k = BMP_CLASS[cp] as number;
  if (k === 0) {
    k = classify(String.fromCharCode(cp));
    BMP_CLASS[cp] = k;
  }
  return k;
}

function classify(ch: string): number {
  return KNOWN | (CJK_CHAR.test(ch) ? CJK : 0) | (WORD_CHAR.test(ch) ? WORD : 0);
}

/** End of the run of code points from `i` that all have class bit `bit`. */
function runEnd(text: string, i: number, bit: number): number {
  while (i < text.length) {
    const cp = text.codePointAt(i) as number;
    if (!(classOf(cp) & bit)) break;
    i += cp > 0xffff ? 2 : 1;
  }
  return i;
}

const NUMBER = /^[\d_.,']+$/;
const ASCII_WORD = /^[a-z]+$/;

/** The word a (non-CJK) token becomes: `<num>`, its stem, or itself, lower-cased. */
function wordOf(tok: string): string {
  const lower = tok.toLowerCase();
  if (NUMBER.test(lower)) return '<num>';
  if (lower.length > 3 && lower.length < 30 && ASCII_WORD.test(lower)) return porterStem(lower);
  return lower;
}

// wordOf for ASCII tokens seen before, in an open-addressing table keyed by a hash of the
// lower-cased token. A hit is checked against the text unit by unit, so it allocates nothing and
// runs no regex; stemming, the costly part, happens once per distinct token. Cleared when full.
const TABLE_BITS = 16;
const TABLE_MASK = (1 << TABLE_BITS) - 1;
const MAX_CACHED = 1 << (TABLE_BITS - 1);
const slotEntry = new Int32Array(1 << TABLE_BITS).fill(-1);
const entryHash = new Int32Array(MAX_CACHED);
const entryKey: string[] = [];
const entryWord: string[] = [];

const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** wordOf(text.slice(start, end)), from the table when the token is ASCII. */
function wordAt(text: string, start: number, end: number): string {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return wordOf(text.slice(start, end));
    h = fnvStep(h, lowerAscii(c));
  }
  h |= 0;
  let slot = h & TABLE_MASK;
  for (let e = slotEntry[slot] as number; e !== -1; e = slotEntry[slot] as number) {
    if (entryHash[e] === h && sameLowered(text, start, end, entryKey[e] as string)) return entryWord[e] as string;
    slot = (slot + 1) & TABLE_MASK;
  }
  const key = text.slice(start, end).toLowerCase();
  const word = wordOf(key);
  if (entryKey.length === MAX_CACHED) {
    slotEntry.fill(-1);
    entryKey.length = 0;
    entryWord.length = 0;
    slot = h & TABLE_MASK;
  }
  slotEntry[slot] = entryKey.length;
  entryHash[entryKey.length] = h;
  entryKey.push(key);
  entryWord.push(word);
  return word;
}

function sameLowered(text: string, start: number, end: number, key: string): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (lowerAscii(text.charCodeAt(start + i)) !== key.charCodeAt(i)) return false;
  return true;
}

export interface Tokens {
  /** Word unigrams (stemmed) and CJK single characters. */
  words: string[];
  /** Adjacent word pairs and adjacent CJK character pairs. */
  pairs: string[];
}

/**
 * Split a (normalized) text into word tokens and adjacent pairs.
 *
 * Example:
 *   wordTokens('Calculating 17 apples 一步一步')
 *   // → { words: ['calcul', '<num>', 'appl', '一', '步', '一', '步'],
 *   //     pairs: ['calcul <num>', '<num> appl', '一步', '步一', '一步'] }
 */
export function wordTokens(text: string, maxTokens = 50_000): Tokens {
  const words: string[] = [];
  const pairs: string[] = [];
  forEachWord(text, maxTokens, (w, join) => {
    if (join !== undefined) pairs.push(`${words[words.length - 1] as string}${join}${w}`);
    words.push(w);
  });
  return { words, pairs };
}

/**
 * How a word joins the one before it into a pair: `' '` (words), `''` (CJK characters), or
 * `undefined` when it starts a new run and makes no pair.
 * @internal
 */
export type PairJoin = ' ' | '' | undefined;

/**
 * The tokenizer behind {@link wordTokens}, without building pair strings: calls `emit` for every
 * word in order, saying how it pairs with the previous word. Feature hashing reads it directly.
 * @internal
 */
export function forEachWord(text: string, maxTokens: number, emit: (word: string, join: PairJoin) => void): void {
  let count = 0;
  let inRun = false;
  let i = 0;
  while (count < maxTokens && i < text.length) {
    const cp = text.codePointAt(i) as number;
    const k = classOf(cp);
    if (!(k & (CJK | WORD))) {
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const start = i;
    i = runEnd(text, i, k & CJK ? CJK : WORD);
    // A CJK run splits into characters, unless it starts outside the BMP (then it is one word, as it always was).
    if (k & CJK && cp <= 0xffff) {
      let first = true;
      for (const ch of text.slice(start, i)) {
        emit(ch, first ? undefined : '');
        first = false;
        count++;
      }
      inRun = false;
      continue;
    }
    emit(wordAt(text, start, i), inRun ? ' ' : undefined);
    count++;
    inRun = true;
  }
}
