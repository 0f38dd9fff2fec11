// Character tables for normalization. Data, not logic: extend them here.

/** Cyrillic and Greek letters that render like Latin ones. @internal */
export const HOMOGLYPHS: Readonly<Record<string, string>> = Object.freeze({
  // Cyrillic lower case
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ӏ: 'l', ԛ: 'q', ԝ: 'w', ь: 'b', г: 'r', п: 'n',
  // Cyrillic upper case
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I',
  Ј: 'J', Ѕ: 'S', Ү: 'Y', Ԁ: 'D', Ԛ: 'Q', Ԝ: 'W',
  // Greek
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y',
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T',
  Υ: 'Y', Χ: 'X',
  // Latin look-alikes outside ASCII that NFKC leaves alone
  ɑ: 'a', ɡ: 'g', ı: 'i', ȷ: 'j', ʏ: 'y', ᴄ: 'c', ᴏ: 'o', ᴠ: 'v', ᴡ: 'w', ᴢ: 'z',
});

/** Digits and symbols used for letters in leetspeak. @internal */
export const LEET: Readonly<Record<string, string>> = Object.freeze({
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
  '@': 'a', $: 's', '!': 'i', '|': 'l', '+': 't',
});

/**
 * Words that obfuscators hide with leetspeak. A de-leeted token replaces the original only when it
 * lands on one of these, so version strings and identifiers (x86, utf8, sha256) stay untouched.
 * @internal
 */
export const LEET_KEYWORDS: ReadonlySet<string> = new Set([
  'tiananmen', 'xinjiang', 'uyghur', 'uighur', 'tibet', 'tibetan', 'dalai', 'lama', 'falun', 'gong',
  'jinping', 'xi', 'pooh', 'winnie', 'taiwan', 'hongkong', 'independence', 'communist', 'ccp',
  'genocide', 'camps', 'camp', 'internment', 'democracy', 'dictator', 'massacre', 'protest',
  'protests', 'censorship', 'censor', 'censored', 'dissident', 'square', 'tank', 'crackdown',
  'reasoning', 'reason', 'step', 'steps', 'think', 'thinking', 'thought', 'chain', 'explain', 'solve',
  'prove', 'rubric', 'grade', 'python', 'javascript', 'code', 'function', 'script', 'exploit',
  'image', 'photo', 'picture', 'screenshot', 'tool', 'tools', 'api', 'search', 'call', 'execute',
]);
