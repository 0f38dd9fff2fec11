import { hashString } from '../features/hash.js';
import { isWhiteSpaceUnit } from '../util/unicode.js';

/**
 * Online template mining for prompt logs, in the manner of Drain (He et al., 2017) but aligned
 * like Spell (longest common subsequence), because the varying slot of a distillation scaffold is a
 * whole user question of any length, which breaks Drain's equal-length assumption.
 *
 * A prompt becomes a bounded token sequence: whitespace split, CJK characters one token each,
 * numbers / URLs / e-mails / ids / quoted strings masked to `<*>`, only the first `headTokens` and
 * last `tailTokens` kept with one `<*>` for the cut middle. An inverted index on word pairs at
 * both ends (`indexKeys`) yields at most `maxCandidates` templates; each is aligned with the prompt
 * by LCS and scored (`Aligner.align`). The best one at or above `threshold` absorbs the prompt and
 * becomes the alignment with every gap collapsed to one `<*>`; otherwise the prompt starts a new
 * template. At most `maxTemplates` are kept: when full, the smallest is evicted and its count kept
 * in `evicted`. Cost per prompt is therefore bounded by the caps, whatever the prompt length or log
 * size.
 */

const WILDCARD = '<*>';
/** Token code of `<*>`; real tokens hash to non-zero codes, so a wildcard never matches. */
const WILD_CODE = 0;
/** Score cost of each slot that has to absorb constant tokens of either side. */
const SLOT_COST = 2;
/**
 * Pseudo-count in the score's denominator: two or three shared words ("How do I", "What is the")
 * are ordinary phrasing, not a scaffold. With the default threshold a template needs at least four
 * constant tokens per slot (4 / (4 + 2 + 2) = 0.5) to form or to take a prompt in.
 */
const PRIOR = 2;
/** Size of the per-sequence token filter; a few per cent false positives at the token cap. */
const FILTER_BITS = 1024;
const FILTER_MASK = (FILTER_BITS >>> 5) - 1;
/** Constant tokens of each end that index a template. */
const INDEX_KEYS = 3;
/** Longer tokens are blobs (base64, hashes, minified code): variable by nature. */
const MAX_TOKEN_CHARS = 64;
/** Characters read per kept token at each end of a long prompt, so tokenizing is bounded too. */
const CHARS_PER_TOKEN = 128;
const MIN_WINDOW = 1024;
/** Largest `headTokens` / `tailTokens`, which keeps LCS tables and their Uint16 cells in bounds. */
const MAX_END_TOKENS = 1000;
/** Longest template a saved miner may hold: constants and slots alternate at most. */
const MAX_TEMPLATE_TOKENS = 4 * MAX_END_TOKENS + 1;

const FORMAT = 'distillscope-templates';
const VERSION = 1;

const DEFAULTS = Object.freeze({ threshold: 0.5, maxTemplates: 256, maxCandidates: 8, headTokens: 40, tailTokens: 24 });

const CJK_CLASS = '\\p{Script_Extensions=Han}\\p{Script_Extensions=Hiragana}\\p{Script_Extensions=Katakana}\\u3000-\\u303f\\uff01-\\uff0f\\uff1a-\\uff20\\uff3b-\\uff40\\uff5b-\\uff65';
const CJK = new RegExp(`[${CJK_CLASS}]`, 'u');
const CJK_SPLIT = new RegExp(`[${CJK_CLASS}]|[^${CJK_CLASS}]+`, 'gu');
// Bounded spans under one quantifier each, so masking stays linear in the window. A single quote
// only opens and closes outside words, which leaves apostrophes ("don't", "kids'") alone.
const QUOTED =
  /"[^"\n]{0,400}"|“[^”\n]{0,400}”|«[^»\n]{0,400}»|「[^」\n]{0,400}」|『[^』\n]{0,400}』|`[^`\n]{1,400}`|(?<![\p{L}\p{N}])'[^'\n]{1,400}'(?![\p{L}\p{N}])/gu;
/** Stands for a masked quoted span until the text is split; NUL never survives as a token. */
const QUOTE_MARK = ' \u0000 ';
const EDGE_PUNCT = /^[([{<"'“‘«]+|[)\]}>"'”’».,;:!?]+$/g;
/** The characters `EDGE_PUNCT` strips at each end: a token that neither starts nor ends with one is left as it is. */
const EDGE_LEAD = '([{<"\'“‘«';
const EDGE_TRAIL = ')]}>"\'”’».,;:!?';
const NUMBER = /^[-+±~≈$€£¥#]?\d[\d.,:/_-]*(?:e[-+]?\d+)?(?:%|[a-z]{1,3})?$/i;
const URL = /^(?:[a-z][a-z\d+.-]*:\/\/|www\.)\S/i;
const WWW = /^www\./i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;
const ID = /^(?:0x[\da-f]+|(?=[\da-f]*[a-f])(?=[\da-f]*\d)[\da-f]{6,}|(?=[\w-]*\d)(?=[\w-]*[a-z])[\w-]{8,})$/i;

/**
 * One mined template, as the miner reports it.
 *
 * Example:
 *   new TemplateMiner().add('Summarize this support ticket in two sentences: printer jams on page 2');
 *   // → { id: '84ad5459', text: 'Summarize this support ticket in two sentences: printer jams on page <*>',
 *   //     tokens: ['Summarize', 'this', …, 'page', '<*>'], count: 1 }
 */
export interface MinedTemplate {
  /** FNV-1a of `text`, 8 hex digits: the same scaffold gets the same id in every miner. */
  id: string;
  /** `tokens` joined with single spaces. */
  text: string;
  /** Constant tokens and `<*>` slots; never two `<*>` in a row. */
  tokens: string[];
  /** Prompts this template has absorbed. */
  count: number;
}

/**
 * Knobs of a `TemplateMiner`; every one is optional (see `TemplateMiner` for the defaults).
 *
 * Example:
 *   const options: TemplateMinerOptions = { maxTemplates: 4096, headTokens: 64 };
 *   const miner = new TemplateMiner(options); // the others keep their defaults
 *   JSON.stringify(miner.toJSON()).includes('"maxTemplates":4096,"maxCandidates":8,"headTokens":64'); // → true
 */
export interface TemplateMinerOptions {
  /** Lowest alignment score, in (0, 1], at which a prompt joins a template. Default 0.5. */
  threshold?: number;
  /** Templates kept at most; the smallest is evicted when a new one would not fit. Default 256. */
  maxTemplates?: number;
  /** Templates aligned with each prompt at most, chosen through the index. Default 8. */
  maxCandidates?: number;
  /** Tokens kept from the start of a prompt, 1 to 1000. Default 40. */
  headTokens?: number;
  /** Tokens kept from the end of a prompt (after the head), 0 to 1000. Default 24. */
  tailTokens?: number;
}

/** A token sequence ready for alignment. */
interface Seq {
  tokens: string[];
  /** FNV-1a per token, `WILD_CODE` for `<*>`. */
  codes: Uint32Array;
  /** `wilds[i]` = number of `<*>` among the first `i` tokens. */
  wilds: Uint16Array;
  constants: number;
  /** Bloom filter of the constant codes (one hash, `FILTER_BITS` bits). */
  filter: Int32Array;
  text: string;
  /**
   * Distinct prompts the sequence stands for. Constants shared by many distinct prompts are
   * scaffold, so dropping them costs more; a lone prompt's tokens are scaffold and content mixed.
   */
  evidence: number;
}

/** A kept template: its sequence plus bookkeeping. Built by `toEntry` only, so all share one shape. */
interface Entry extends Seq {
  id: string;
  keys: string[];
  count: number;
  created: number;
  lastSeen: number;
}

function toEntry(seq: Seq, count: number, created: number, lastSeen: number): Entry {
  const { constants, text, evidence } = seq;
  // The sequence's arrays are scratch (see `toSeq`): a template copies them into one buffer of its own.
  const n = seq.tokens.length;
  const own = seqArrays(new ArrayBuffer(seqBytes(n)), n);
  own.codes.set(seq.codes);
  own.wilds.set(seq.wilds);
  own.filter.set(seq.filter);
  const { codes, wilds, filter } = own;
  // Tokens are slices of the prompt, and a V8 slice keeps its whole parent string alive: a stored
  // template re-splits its joined text, so it holds only its own characters, not every prompt it came from.
  const split = text.split(' ');
  const tokens = split.length === n ? split : seq.tokens;
  return { tokens, codes, wilds, constants, filter, text, evidence, id: templateId(text), keys: indexKeys(seq), count, created, lastSeen };
}

function templateId(text: string): string {
  return hashString(text).toString(16).padStart(8, '0');
}

function tokenCode(token: string): number {
  if (token === WILDCARD) return WILD_CODE;
  return hashString(token) || 1;
}

const FILTER_WORDS = FILTER_BITS >>> 5;
/** Where the one sequence alive at a time outside a template (a prompt's, or a template's new tokens) keeps its arrays. */
let seqScratch = new ArrayBuffer(0);

/** Bytes for a sequence of `n` tokens: codes, filter, then wilds (each view aligned). */
function seqBytes(n: number): number {
  return 4 * n + 4 * FILTER_WORDS + 2 * (n + 1);
}

/** The three arrays of a sequence of `n` tokens, as views of one buffer. */
function seqArrays(buffer: ArrayBuffer, n: number): Pick<Seq, 'codes' | 'wilds' | 'filter'> {
  return { codes: new Uint32Array(buffer, 0, n), filter: new Int32Array(buffer, 4 * n, FILTER_WORDS), wilds: new Uint16Array(buffer, 4 * n + 4 * FILTER_WORDS, n + 1) };
}

/**
 * A token sequence ready for alignment. Its arrays are views of a scratch buffer that the next call
 * reuses (a fresh typed array per prompt cost more than aligning it): a sequence is used before the
 * next one is made, and one kept as a template gets its own copy in `toEntry`.
 */
function toSeq(tokens: string[], evidence: number): Seq {
  const n = tokens.length;
  if (seqScratch.byteLength < seqBytes(n)) seqScratch = new ArrayBuffer(2 * seqBytes(n));
  const { codes, wilds, filter } = seqArrays(seqScratch, n);
  filter.fill(0);
  wilds[0] = 0;
  for (let i = 0; i < n; i++) {
    const c = tokenCode(tokens[i] as string);
    codes[i] = c;
    wilds[i + 1] = (wilds[i] as number) + (c === WILD_CODE ? 1 : 0);
    if (c !== WILD_CODE) filter[(c >>> 5) & FILTER_MASK] = (filter[(c >>> 5) & FILTER_MASK] as number) | (1 << (c & 31));
  }
  const constants = n - (wilds[n] as number);
  return { tokens, codes, wilds, constants, filter, text: tokens.join(' '), evidence };
}

function maskToken(token: string): string {
  if (token.length > MAX_TOKEN_CHARS || token === '\u0000') return WILDCARD;
  const core = EDGE_LEAD.includes(token.charAt(0)) || EDGE_TRAIL.includes(token.charAt(token.length - 1)) ? token.replace(EDGE_PUNCT, '') : token;
  if (core === '') return token;
  // Every pattern below needs a digit (numbers, ids), "@" (emails) or a scheme or "www." (URLs).
  if (!maybeMasked(core)) return token;
  if (NUMBER.test(core) || URL.test(core) || EMAIL.test(core) || ID.test(core)) return WILDCARD;
  return token;
}

function maybeMasked(core: string): boolean {
  for (let i = 0; i < core.length; i++) {
    const c = core.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 64) return true;
  }
  return core.includes('://') || WWW.test(core);
}

/**
 * `CJK.test(s)`, without the Unicode-property regex for the usual text: below U+2E80 only U+00B7,
 * U+0305 and U+0323 have a CJK script extension (checked over every code point), so a string of
 * such code units alone has none.
 */
function hasCjk(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x2e80 || c === 0xb7 || c === 0x305 || c === 0x323) return CJK.test(s);
  }
  return false;
}

/** The masked tokens of one white-space-free chunk, appended to `out`. */
function lexChunk(chunk: string, out: string[]): void {
  if (!hasCjk(chunk)) {
    out.push(maskToken(chunk));
    return;
  }
  // No spaces in Chinese or Japanese: each character is a word of the scaffold.
  for (const piece of chunk.match(CJK_SPLIT) ?? []) out.push(hasCjk(piece) ? piece : maskToken(piece));
}

/**
 * The masked tokens at both ends of a window: its white-space-separated chunks (as `split(/\s+/)`
 * gives them, quoted spans masked first) read from the start until `head` tokens are in hand and
 * from the end until `tail` are, so a long window is not tokenized through the middle that the
 * template drops. `all` is every token in order when the two reads met; otherwise `front` holds at
 * least `head` tokens, `back` the last `tail` or more, in order, and at least one chunk lies between.
 */
function lexEnds(window: string, head: number, tail: number): { all: string[] } | { front: string[]; back: string[] } {
  const text = window.replace(QUOTED, QUOTE_MARK);
  const front: string[] = [];
  let i = 0;
  while (front.length < head) {
    while (i < text.length && isWhiteSpaceUnit(text.charCodeAt(i))) i++;
    if (i === text.length) return { all: front };
    const start = i;
    while (i < text.length && !isWhiteSpaceUnit(text.charCodeAt(i))) i++;
    lexChunk(text.slice(start, i), front);
  }
  const chunks: string[] = [];
  let count = 0;
  let j = text.length;
  while (count < tail) {
    while (j > i && isWhiteSpaceUnit(text.charCodeAt(j - 1))) j--;
    if (j === i) break;
    const end = j;
    while (j > i && !isWhiteSpaceUnit(text.charCodeAt(j - 1))) j--;
    const before = chunks.length;
    const pieces: string[] = [];
    lexChunk(text.slice(j, end), pieces);
    chunks.push(...pieces.reverse());
    count += chunks.length - before;
  }
  const back = chunks.reverse();
  // Met: nothing but white space between what the two reads took.
  let k = i;
  while (k < j && isWhiteSpaceUnit(text.charCodeAt(k))) k++;
  return k === j ? { all: [...front, ...back] } : { front, back };
}

/** Back a cut off a surrogate pair, so no half character reaches the tokens. */
function safeCut(text: string, at: number): number {
  const c = text.charCodeAt(at - 1);
  return c >= 0xd800 && c <= 0xdbff ? at - 1 : at;
}

/** Bounded, masked tokens of a prompt: head, one `<*>` for a cut middle, tail; wildcards merged. */
function promptTokens(text: string, head: number, tail: number): string[] {
  const headChars = Math.max(MIN_WINDOW, head * CHARS_PER_TOKEN);
  const tailChars = tail === 0 ? 0 : Math.max(MIN_WINDOW, tail * CHARS_PER_TOKEN);
  let raw: string[];
  if (text.length <= headChars + tailChars) {
    const ends = lexEnds(text, head, tail);
    if ('all' in ends) {
      raw = ends.all;
      if (raw.length > head + tail) raw = [...raw.slice(0, head), WILDCARD, ...raw.slice(raw.length - tail)];
    } else raw = [...ends.front.slice(0, head), WILDCARD, ...ends.back.slice(ends.back.length - tail)];
  } else {
    // Read only both ends, and drop a word the cut went through (unless the window has no space,
    // as in unspaced CJK text, where the cut falls between characters).
    let front = text.slice(0, safeCut(text, headChars));
    if (!isWhiteSpaceUnit(text.charCodeAt(front.length))) {
      let i = front.length - 1;
      while (i >= 0 && !isWhiteSpaceUnit(front.charCodeAt(i))) i--;
      if (i >= 0) front = front.slice(0, i);
    }
    const headEnds = lexEnds(front, head, 0);
    raw = [...('all' in headEnds ? headEnds.all : headEnds.front).slice(0, head), WILDCARD];
    if (tail > 0) {
      const from = safeCut(text, text.length - tailChars);
      let back = text.slice(from);
      if (!isWhiteSpaceUnit(text.charCodeAt(from - 1))) {
        let i = 0;
        while (i < back.length && !isWhiteSpaceUnit(back.charCodeAt(i))) i++;
        if (i < back.length) back = back.slice(i);
      }
      const tailEnds = lexEnds(back, 0, tail);
      const tailTokens = 'all' in tailEnds ? tailEnds.all : tailEnds.back;
      raw.push(...tailTokens.slice(Math.max(0, tailTokens.length - tail)));
    }
  }
  const out: string[] = [];
  for (const t of raw) if (t !== WILDCARD || out[out.length - 1] !== WILDCARD) out.push(t);
  return out;
}

/**
 * Index keys, Drain's prefix tree made tolerant: the adjacent pairs among the first and among the
 * last `INDEX_KEYS` constant tokens, tagged by end (a lone constant is its own key). Pairs are
 * selective where single words ("the", "I") would list half the templates, and one extra or
 * missing word at an end still leaves a pair in common.
 */
function indexKeys(s: Seq): string[] {
  const head: string[] = [];
  const tail: string[] = [];
  for (let i = 0; i < s.tokens.length && head.length < INDEX_KEYS; i++) if (s.codes[i] !== WILD_CODE) head.push(s.tokens[i] as string);
  for (let i = s.tokens.length - 1; i >= 0 && tail.length < INDEX_KEYS; i--) if (s.codes[i] !== WILD_CODE) tail.unshift(s.tokens[i] as string);
  const keys = new Set<string>();
  const add = (tag: string, words: string[]) => {
    if (words.length === 1) keys.add(`${tag} ${words[0] as string}`);
    for (let i = 1; i < words.length; i++) keys.add(`${tag} ${words[i - 1] as string} ${words[i] as string}`);
  };
  add('H', head);
  add('T', tail);
  return [...keys];
}

/** Weight of a dropped constant: 0 for a lone prompt, → 1 as distinct prompts confirm it. */
function confidence(evidence: number): number {
  return (evidence - 1) / (evidence + 1);
}

interface Alignment {
  similarity: number;
  tokens: string[];
}

const NO_MATCH: Alignment = Object.freeze({ similarity: 0, tokens: [] });
const GAP_EMPTY = 1;
const GAP_LINK = 2;
const GAP_ABSORBS = 4;

/** What lies between two consecutive matches (or a match and an end) on each side, as GAP_ flags. */
function gapAt(t: Seq, p: Seq, ti: number[], pj: number[], b: number): number {
  const k = ti.length;
  const ts = b === 0 ? 0 : (ti[b - 1] as number) + 1;
  const te = b === k ? t.tokens.length : (ti[b] as number);
  const ps = b === 0 ? 0 : (pj[b - 1] as number) + 1;
  const pe = b === k ? p.tokens.length : (pj[b] as number);
  const tWild = (t.wilds[te] as number) - (t.wilds[ts] as number);
  const pWild = (p.wilds[pe] as number) - (p.wilds[ps] as number);
  const tConst = te - ts - tWild;
  const pConst = pe - ps - pWild;
  let flags = te === ts && pe === ps ? GAP_EMPTY : 0;
  // The matches on both sides stay adjacent in the skeleton: nothing constant is dropped here,
  // unless the other side is nothing but a slot (a template's `<*>` absorbing the content).
  if ((tConst === 0 || (pConst === 0 && pWild > 0)) && (pConst === 0 || (tConst === 0 && tWild > 0))) flags |= GAP_LINK;
  // A slot that swallows words, rather than one lining up a masked number with another.
  if (tConst + pConst > 0) flags |= GAP_ABSORBS;
  return flags;
}

/**
 * Positions of the constant tokens of `s` that may occur in `other`: only those can match, so the
 * LCS table shrinks to them. A filter false positive only adds a row; the LCS compares tokens.
 */
function sharedPositions(s: Seq, other: Seq): number[] {
  const out: number[] = [];
  const f = other.filter;
  for (let i = 0; i < s.codes.length; i++) {
    const c = s.codes[i] as number;
    if (c !== WILD_CODE && ((f[(c >>> 5) & FILTER_MASK] as number) & (1 << (c & 31))) !== 0) out.push(i);
  }
  return out;
}

/** LCS alignment with a reusable table, grown to the largest pair seen (bounded by the token caps). */
class Aligner {
  private cells = new Uint16Array(0);

  /**
   * Align a template with a prompt (or another template) and score the merge.
   *
   * The LCS of constant tokens is the shared skeleton. Matches that stand alone, linked to no
   * neighbouring match and to neither end, are dropped: they are the "the" and "of" that any two
   * English texts share, and keeping them would fragment the template. The score is
   *
   *   m / (m + 2·s + c_t·d_t + c_p·d_p + 2)
   *
   * where m is the number of shared constants, s the slots of the result that absorb constant
   * tokens of either side, d the constants each side loses, and c = (e − 1)/(e + 1) grows with the
   * distinct prompts e behind a side. A slot costs the same whether the question in it has 5 words
   * or 60, so long variable parts do not dilute the score as they do in Drain's or Spell's length
   * ratios; scattered shared words need many slots and score low; a mature scaffold resists being
   * cut down by a prompt that shares only a piece of it.
   */
  align(t: Seq, p: Seq): Alignment {
    const tPos = sharedPositions(t, p);
    if (tPos.length === 0) return NO_MATCH;
    const pPos = sharedPositions(p, t);
    const { ti, pj } = this.lcs(t, p, tPos, pPos);
    const links: boolean[] = [];
    for (let b = 0; b <= ti.length; b++) links.push((gapAt(t, p, ti, pj, b) & GAP_LINK) !== 0);
    const keptT: number[] = [];
    const keptP: number[] = [];
    for (let a = 0; a < ti.length; a++) {
      if (links[a] === true || links[a + 1] === true) {
        keptT.push(ti[a] as number);
        keptP.push(pj[a] as number);
      }
    }
    const m = keptT.length;
    if (m === 0) return NO_MATCH;
    const tokens: string[] = [];
    let slots = 0;
    for (let b = 0; b <= m; b++) {
      const gap = gapAt(t, p, keptT, keptP, b);
      if ((gap & GAP_EMPTY) === 0) {
        tokens.push(WILDCARD);
        if ((gap & GAP_ABSORBS) !== 0) slots++;
      }
      if (b < m) tokens.push(t.tokens[keptT[b] as number] as string);
    }
    const dropped = confidence(t.evidence) * (t.constants - m) + confidence(p.evidence) * (p.constants - m);
    return { similarity: m / (m + SLOT_COST * slots + dropped + PRIOR), tokens };
  }

  /** LCS of `t` and `p` over the given positions: the matched positions of each, in order. */
  private lcs(t: Seq, p: Seq, tPos: number[], pPos: number[]): { ti: number[]; pj: number[] } {
    const n = tPos.length;
    const m = pPos.length;
    const w = m + 1;
    if (this.cells.length < (n + 1) * w) this.cells = new Uint16Array((n + 1) * w * 2);
    const L = this.cells;
    const pCodes = pPos.map((j) => p.codes[j] as number);
    const pTokens = pPos.map((j) => p.tokens[j] as string);
    L.fill(0, n * w, n * w + w);
    for (let a = n - 1; a >= 0; a--) {
      const row = a * w;
      const next = row + w;
      const i = tPos[a] as number;
      const code = t.codes[i] as number;
      const tok = t.tokens[i] as string;
      L[row + m] = 0;
      for (let c = m - 1; c >= 0; c--) {
        if (code === pCodes[c] && tok === pTokens[c]) L[row + c] = (L[next + c + 1] as number) + 1;
        else {
          const down = L[next + c] as number;
          const right = L[row + c + 1] as number;
          L[row + c] = down >= right ? down : right;
        }
      }
    }
    const ti: number[] = [];
    const pj: number[] = [];
    for (let a = 0, c = 0; a < n && c < m; ) {
      if (t.codes[tPos[a] as number] === pCodes[c] && t.tokens[tPos[a] as number] === pTokens[c]) {
        ti.push(tPos[a++] as number);
        pj.push(pPos[c++] as number);
      } else if ((L[(a + 1) * w + c] as number) >= (L[a * w + c + 1] as number)) a++;
      else c++;
    }
    return { ti, pj };
  }
}

const SHARED_ALIGNER = new Aligner();

function checkInt(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`distillscope: ${name} must be an integer ${range}, received ${v}`);
  }
  return v;
}

function resolveOptions(o: TemplateMinerOptions): Required<TemplateMinerOptions> {
  if (typeof o !== 'object' || o === null) throw new TypeError(`distillscope: TemplateMiner options must be an object, received ${o === null ? 'null' : typeof o}`);
  const known = Object.keys(DEFAULTS);
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new RangeError(`distillscope: unknown TemplateMiner option "${k}". Must be one of [${known}]`);
  }
  const threshold = o.threshold ?? DEFAULTS.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new RangeError(`distillscope: threshold must be a number in (0, 1], received ${threshold}`);
  }
  return {
    threshold,
    maxTemplates: checkInt('maxTemplates', o.maxTemplates ?? DEFAULTS.maxTemplates, 1),
    maxCandidates: checkInt('maxCandidates', o.maxCandidates ?? DEFAULTS.maxCandidates, 1),
    headTokens: checkInt('headTokens', o.headTokens ?? DEFAULTS.headTokens, 1, MAX_END_TOKENS),
    tailTokens: checkInt('tailTokens', o.tailTokens ?? DEFAULTS.tailTokens, 0, MAX_END_TOKENS),
  };
}

function snapshot(e: Entry): MinedTemplate {
  return { id: e.id, text: e.text, tokens: [...e.tokens], count: e.count };
}

function byCountThenText(a: { count: number; text: string }, b: { count: number; text: string }): number {
  return b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * Online template miner for prompts. Feed prompts one at a time; it keeps at most `maxTemplates`
 * templates and does bounded work per prompt. Defaults: threshold 0.5, maxTemplates 256,
 * maxCandidates 8, headTokens 40, tailTokens 24. Deterministic: the same prompts in the same order
 * give the same templates.
 *
 * Example:
 *   const miner = new TemplateMiner();
 *   for (const q of ['What is 17 * 23?', 'Why is the sky blue?', 'Is 91 a prime number?'])
 *     miner.add(`Think step by step inside <think> tags, then answer. Question: ${q}`);
 *   miner.templates()
 *   // → [{ id: '23fa2b00', text: 'Think step by step inside <think> tags, then answer. Question: <*>', tokens: […], count: 3 }]
 */
export class TemplateMiner {
  readonly #options: Required<TemplateMinerOptions>;
  readonly #byText = new Map<string, Entry>();
  readonly #index = new Map<string, Set<Entry>>();
  readonly #bySize = new Map<number, Set<Entry>>();
  // One table for every miner: alignment is synchronous, and a table per batch would cost tens of KB each.
  readonly #aligner = SHARED_ALIGNER;
  #total = 0;
  #evicted = 0;
  #clock = 0;

  /**
   * Example:
   *   new TemplateMiner({ threshold: 0.6, maxTemplates: 1000 }); // stricter joins, more templates
   *   new TemplateMiner({ maxTemplates: 0 }); // → RangeError: distillscope: maxTemplates must be an integer >= 1, received 0
   */
  constructor(options: TemplateMinerOptions = {}) {
    this.#options = resolveOptions(options);
  }

  /**
   * Add one prompt; returns the template it joined or created, as it is after the prompt.
   *
   * Example:
   *   const miner = new TemplateMiner();
   *   miner.add('Translate this customer message into French: Where is my parcel? It was due on 3 May.').count; // → 1
   *   miner.add('Translate this customer message into French: I was charged twice for order 88412.').text;
   *   // → 'Translate this customer message into French: <*>'
   */
  add(text: string): MinedTemplate {
    if (typeof text !== 'string') throw new TypeError(`distillscope: TemplateMiner.add expects a string, received ${typeof text}`);
    const { headTokens, tailTokens } = this.#options;
    const entry = this.#fold(toSeq(promptTokens(text, headTokens, tailTokens), 1), 1);
    this.#total += 1;
    return snapshot(entry);
  }

  /**
   * All kept templates, largest first (ties by text), as copies.
   *
   * Example:
   *   miner.templates().map((t) => [t.text, t.count]);
   *   // → [['Translate this customer message into French: <*>', 2]]
   */
  templates(): MinedTemplate[] {
    return [...this.#byText.values()].sort(byCountThenText).map(snapshot);
  }

  /**
   * Prompts added, including those whose templates were evicted (and those folded in by `merge`).
   *
   * Example:
   *   miner.total; // → 2
   */
  get total(): number {
    return this.#total;
  }

  /**
   * Share of all prompts (evicted ones included) covered by the `k` largest templates that hold at
   * least one constant token and at least two prompts. Campaign traffic scores near 1 for small k,
   * ordinary traffic near 0. An empty miner covers 0.
   *
   * Example:
   *   miner.coverage(1); // → 1 (both prompts share the wrapper)
   *   miner.coverage(-1); // → RangeError: distillscope: k must be an integer >= 0, received -1
   */
  coverage(k: number): number {
    checkInt('k', k, 0);
    if (this.#total === 0) return 0;
    let covered = 0;
    let taken = 0;
    for (const t of [...this.#byText.values()].sort(byCountThenText)) {
      if (taken >= k || t.count < 2) break;
      if (t.constants === 0) continue;
      covered += t.count;
      taken++;
    }
    return covered / this.#total;
  }

  /**
   * Fold another miner's templates into this one, largest first, by the same rule that places a
   * prompt (a template that matches joins, counts add up; the rest become templates of their own).
   * Shards mined apart and merged find the same scaffolds, with the same ids and summed counts, as
   * one miner over everything (up to the order effects of any online clustering). `other` is left
   * unchanged; this miner's options apply.
   *
   * Example:
   *   const a = new TemplateMiner(), b = new TemplateMiner();
   *   // … a.add() the first half of a log, b.add() the second half …
   *   a.merge(b);
   *   a.total; // → prompts in both halves
   */
  merge(other: TemplateMiner): void {
    if (!(other instanceof TemplateMiner)) throw new TypeError('distillscope: TemplateMiner.merge expects a TemplateMiner');
    const incoming = [...other.#byText.values()]
      .sort(byCountThenText)
      .map((e) => ({ tokens: [...e.tokens], evidence: e.evidence, count: e.count }));
    const total = other.#total;
    const evicted = other.#evicted;
    for (const e of incoming) this.#fold(toSeq(e.tokens, e.evidence), e.count);
    this.#total += total;
    this.#evicted += evicted;
  }

  /**
   * A plain, versioned JSON shape that `fromJSON` restores exactly (same templates, counts and
   * future behaviour).
   *
   * Example:
   *   JSON.stringify(miner.toJSON()).slice(0, 46); // → '{"format":"distillscope-templates","version":1'
   */
  toJSON(): unknown {
    const entries = [...this.#byText.values()].sort((a, b) => a.created - b.created);
    return {
      format: FORMAT,
      version: VERSION,
      options: { ...this.#options },
      total: this.#total,
      evicted: this.#evicted,
      clock: this.#clock,
      templates: entries.map((e) => ({ tokens: [...e.tokens], count: e.count, evidence: e.evidence, created: e.created, lastSeen: e.lastSeen })),
    };
  }

  /**
   * Restore a miner saved with `toJSON` (after a JSON round trip). Throws a TypeError naming what
   * is wrong with the data (a RangeError for bad options).
   *
   * Example:
   *   TemplateMiner.fromJSON(JSON.parse(JSON.stringify(miner.toJSON()))).templates(); // → same as miner.templates()
   *   TemplateMiner.fromJSON({}); // → TypeError: distillscope: not a saved TemplateMiner (expected format "distillscope-templates" v1)
   */
  static fromJSON(data: unknown): TemplateMiner {
    const d = data as Record<string, unknown> | null;
    if (typeof d !== 'object' || d === null || d.format !== FORMAT || d.version !== VERSION) {
      throw new TypeError(`distillscope: not a saved TemplateMiner (expected format "${FORMAT}" v${VERSION})`);
    }
    const bad = (what: string): never => {
      throw new TypeError(`distillscope: saved TemplateMiner has ${what}`);
    };
    if (typeof d.options !== 'object' || d.options === null) bad('no options');
    const miner = new TemplateMiner(d.options as TemplateMinerOptions);
    if (!isCount(d.total) || !isCount(d.evicted) || !isCount(d.clock)) bad('a total, evicted or clock that is not a non-negative integer');
    if (!Array.isArray(d.templates)) bad('no templates array');
    const saved = d.templates as unknown[];
    if (saved.length > miner.#options.maxTemplates) bad(`${saved.length} templates, more than maxTemplates`);
    let sum = d.evicted as number;
    const entries: Entry[] = [];
    const texts = new Set<string>();
    saved.forEach((raw, i) => {
      const t = raw as Record<string, unknown> | null;
      if (typeof t !== 'object' || t === null) return bad(`template ${i} that is not an object`);
      const { tokens, count, evidence, created, lastSeen } = t;
      if (!Array.isArray(tokens) || tokens.length > MAX_TEMPLATE_TOKENS || !tokens.every((x) => typeof x === 'string' && x !== '' && !/\s/.test(x))) {
        return bad(`template ${i} whose tokens are not an array of at most ${MAX_TEMPLATE_TOKENS} non-empty strings without spaces`);
      }
      if (!isPositiveInt(count) || !isPositiveInt(evidence) || !isCount(created) || !isCount(lastSeen)) {
        return bad(`template ${i} whose count, evidence, created or lastSeen is not an integer`);
      }
      const seq = toSeq(tokens as string[], evidence);
      if (texts.has(seq.text)) return bad(`template ${i} repeating "${seq.text}"`);
      texts.add(seq.text);
      entries.push(toEntry(seq, count, created, lastSeen));
      sum += count;
    });
    // Registering in the order last seen restores the eviction order.
    for (const e of entries.sort((a, b) => a.lastSeen - b.lastSeen)) miner.#register(e);
    if (sum !== d.total) bad(`total ${String(d.total)} but its templates and evicted count sum to ${sum}`);
    miner.#total = d.total as number;
    miner.#evicted = d.evicted as number;
    miner.#clock = d.clock as number;
    return miner;
  }

  /** Place a sequence standing for `count` prompts; returns the template that now holds them. */
  #fold(seq: Seq, count: number): Entry {
    const now = ++this.#clock;
    const same = this.#byText.get(seq.text);
    if (same !== undefined) {
      this.#touch(same, count, seq.evidence - 1, now);
      return same;
    }
    let best: Entry | undefined;
    let bestAlignment: Alignment | undefined;
    for (const candidate of this.#candidates(seq)) {
      const a = this.#aligner.align(candidate, seq);
      if (bestAlignment === undefined || a.similarity > bestAlignment.similarity) {
        best = candidate;
        bestAlignment = a;
      }
    }
    if (best !== undefined && bestAlignment !== undefined && bestAlignment.similarity >= this.#options.threshold) {
      this.#touch(best, count, seq.evidence, now);
      return this.#retokenize(best, bestAlignment.tokens);
    }
    if (this.#byText.size >= this.#options.maxTemplates) this.#evictSmallest();
    const entry = toEntry(seq, count, now, now);
    this.#register(entry);
    return entry;
  }

  /** Templates sharing the most index keys with `seq`, then the largest, then the oldest. */
  #candidates(seq: Seq): Entry[] {
    const hits = new Map<Entry, number>();
    for (const key of indexKeys(seq)) {
      for (const e of this.#index.get(key) ?? []) hits.set(e, (hits.get(e) ?? 0) + 1);
    }
    // Keep the best few by insertion: posting lists can be long, the candidate list never is.
    const best: Array<[Entry, number]> = [];
    const limit = this.#options.maxCandidates;
    const before = ([a, ha]: [Entry, number], [b, hb]: [Entry, number]) => ha > hb || (ha === hb && (a.count > b.count || (a.count === b.count && a.created < b.created)));
    for (const item of hits) {
      if (best.length === limit && !before(item, best[limit - 1] as [Entry, number])) continue;
      let i = Math.min(best.length, limit - 1);
      best[i] = item;
      while (i > 0 && before(item, best[i - 1] as [Entry, number])) {
        best[i] = best[i - 1] as [Entry, number];
        best[--i] = item;
      }
    }
    return best.map(([e]) => e);
  }

  /** Add prompts to a template, moving it to the back of its new size bucket. */
  #touch(e: Entry, count: number, evidence: number, now: number): void {
    this.#leaveBucket(e);
    e.count += count;
    e.evidence += evidence;
    e.lastSeen = now;
    this.#joinBucket(e);
  }

  /** Give a template new tokens; if another template already has them, the two become one. */
  #retokenize(entry: Entry, tokens: string[]): Entry {
    const seq = toSeq(tokens, entry.evidence);
    if (seq.text === entry.text) return entry;
    this.#unregister(entry);
    const twin = this.#byText.get(seq.text);
    if (twin !== undefined) {
      twin.created = Math.min(twin.created, entry.created);
      this.#touch(twin, entry.count, entry.evidence - 1, entry.lastSeen);
      return twin;
    }
    const updated = toEntry(seq, entry.count, entry.created, entry.lastSeen);
    this.#register(updated);
    return updated;
  }

  /** Drop the template with the fewest prompts (the least recently seen among equals). */
  #evictSmallest(): void {
    let smallest = Infinity;
    for (const size of this.#bySize.keys()) if (size < smallest) smallest = size;
    const victim = this.#bySize.get(smallest)?.values().next().value;
    if (victim === undefined) return;
    this.#unregister(victim);
    this.#evicted += victim.count;
  }

  #register(e: Entry): void {
    this.#byText.set(e.text, e);
    for (const key of e.keys) {
      let set = this.#index.get(key);
      if (set === undefined) this.#index.set(key, (set = new Set()));
      set.add(e);
    }
    this.#joinBucket(e);
  }

  #unregister(e: Entry): void {
    this.#byText.delete(e.text);
    for (const key of e.keys) {
      const set = this.#index.get(key);
      set?.delete(e);
      if (set?.size === 0) this.#index.delete(key);
    }
    this.#leaveBucket(e);
  }

  // Templates by count, each bucket in the order last seen: eviction needs no scan of them all.
  #joinBucket(e: Entry): void {
    let bucket = this.#bySize.get(e.count);
    if (bucket === undefined) this.#bySize.set(e.count, (bucket = new Set()));
    bucket.add(e);
  }

  #leaveBucket(e: Entry): void {
    const bucket = this.#bySize.get(e.count);
    bucket?.delete(e);
    if (bucket?.size === 0) this.#bySize.delete(e.count);
  }
}
