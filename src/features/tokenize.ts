import porter from 'natural/lib/natural/stemmers/porter_stemmer.js';

/**
 * Word tokens for the hashed n-gram features. Latin words are lower-cased and Porter-stemmed
 * (natural, through a deep import: its root import prints to stdout and loads database drivers);
 * numbers become `<num>` so that "3 apples" and "17 apples" share features; Chinese and Japanese
 * runs, which have no spaces, become single characters plus adjacent-character bigrams.
 */

const TOKEN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+|[\p{L}\p{M}\p{N}_']+/gu;
const CJK_START = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const NUMBER = /^[\d_.,']+$/;
const ASCII_WORD = /^[a-z]+$/;
const STEM_CACHE_LIMIT = 100_000;
const stemCache = new Map<string, string>();

const stemmer = porter as { stem(word: string): string };

function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stemmer.stem(word);
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
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
  let prev: string | undefined;
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text)) !== null && words.length < maxTokens) {
    const tok = m[0];
    if (CJK_START.test(tok[0] ?? '')) {
      const chars = [...tok];
      for (let i = 0; i < chars.length; i++) {
        words.push(chars[i] as string);
        if (i + 1 < chars.length) pairs.push((chars[i] as string) + (chars[i + 1] as string));
      }
      prev = undefined;
      continue;
    }
    const lower = tok.toLowerCase();
    let w: string;
    if (NUMBER.test(lower)) w = '<num>';
    else if (lower.length > 3 && lower.length < 30 && ASCII_WORD.test(lower)) w = stem(lower);
    else w = lower;
    words.push(w);
    if (prev !== undefined) pairs.push(`${prev} ${w}`);
    prev = w;
  }
  return { words, pairs };
}
