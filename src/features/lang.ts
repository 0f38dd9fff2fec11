/**
 * A cheap language guess for slicing evaluation reports: by script first, then by common function
 * words for Latin-script languages. Not a language identifier; good enough to split zh from en.
 */

const SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['ja', /[\p{Script=Hiragana}\p{Script=Katakana}]/gu],
  ['zh', /\p{Script=Han}/gu],
  ['ko', /\p{Script=Hangul}/gu],
  ['ru', /\p{Script=Cyrillic}/gu],
  ['ar', /\p{Script=Arabic}/gu],
  ['hi', /\p{Script=Devanagari}/gu],
  ['el', /\p{Script=Greek}/gu],
  ['th', /\p{Script=Thai}/gu],
];

const STOPWORDS: ReadonlyArray<[string, ReadonlySet<string>]> = [
  ['en', new Set(['the', 'and', 'is', 'of', 'to', 'what', 'in', 'a', 'how', 'this', 'you', 'for', 'are'])],
  ['es', new Set(['el', 'la', 'de', 'que', 'y', 'en', 'los', 'las', 'por', 'una', 'es', 'cómo', 'qué'])],
  ['fr', new Set(['le', 'la', 'les', 'des', 'et', 'est', 'une', 'du', 'que', 'pour', 'dans', 'quel', 'comment'])],
  ['de', new Set(['der', 'die', 'das', 'und', 'ist', 'nicht', 'ein', 'eine', 'mit', 'wie', 'was', 'ich', 'zu'])],
  ['pt', new Set(['o', 'os', 'da', 'do', 'que', 'não', 'uma', 'é', 'com', 'para', 'como', 'em'])],
  ['it', new Set(['il', 'della', 'che', 'di', 'è', 'gli', 'una', 'per', 'come', 'sono', 'non'])],
  ['fi', new Set(['ja', 'on', 'ei', 'että', 'mitä', 'miksi', 'kuinka', 'oli', 'ovat', 'kiina', 'mikä'])],
  ['vi', new Set(['và', 'của', 'là', 'có', 'không', 'những', 'được', 'trong', 'gì', 'tại'])],
];

const WORD = /\p{L}+/gu;

/**
 * Guess the main language of a text: ISO 639-1 code, or `und` when unsure.
 *
 * Example:
 *   guessLang('请一步一步思考这个问题') // → 'zh'
 *   guessLang('What is the capital of France?') // → 'en'
 */
export function guessLang(text: string): string {
  const sample = text.length > 4000 ? text.slice(0, 4000) : text;
  let bestScript = '';
  let bestCount = 0;
  for (const [lang, re] of SCRIPTS) {
    const n = sample.match(re)?.length ?? 0;
    if (n > bestCount) {
      bestScript = lang;
      bestCount = n;
    }
  }
  const words = sample.toLowerCase().match(WORD) ?? [];
  // CJK characters each carry about a word; compare with Latin-script words.
  if (bestCount > 0 && bestCount >= Math.min(words.length, 20) * 0.3) return bestScript;
  let bestLang = 'und';
  let bestHits = 0;
  for (const [lang, set] of STOPWORDS) {
    let hits = 0;
    for (const w of words) if (set.has(w)) hits++;
    if (hits > bestHits) {
      bestLang = lang;
      bestHits = hits;
    }
  }
  return bestHits > 0 ? bestLang : words.length ? 'en' : 'und';
}
