/**
 * The SentencePiece-style unigram tokenizer of Universal Sentence Encoder lite, written to give the
 * very ids of the reference tokenizer in `@tensorflow-models/universal-sentence-encoder@1.3.3`,
 * quirks included, because the model was run on those ids:
 * - text is NFKC-normalized; non-empty text gets a leading `▁` and every ASCII space becomes `▁`
 *   (other whitespace is left as it is);
 * - symbols are UTF-16 code units, not code points, so an emoji is two symbols;
 * - a position where no vocabulary piece starts becomes the unknown id 0 with score 0, and runs of
 *   unknown ids are merged into one;
 * - the best path is kept by Viterbi with the reference's update rule: a position whose best score
 *   is still exactly 0 counts as unset, and on equal scores the later candidate wins.
 * The reference builds a lattice of arrays and slices the input at every position; this version
 * walks a trie of char codes and relaxes scores forward, visiting candidates in the same order, so
 * it gives the same ids at a fraction of the cost.
 */

/**
 * The vocabulary file of USE lite: `[piece, log-probability score]`, index = token id. A few
 * user-defined pieces (`:`, `://`, `▁:)` …) have the score `null`, which counts as 0 (JavaScript's
 * `null + x`), as in the reference.
 *
 * Example:
 *   const vocabulary: Vocabulary = loadUseLiteVocabulary();
 *   vocabulary[0]  // → ['�', 0]            (the unknown id)
 *   vocabulary[57] // → [':', null]
 */
export type Vocabulary = ReadonlyArray<readonly [piece: string, score: number | null]>;

/**
 * Encodes text into USE-lite token ids.
 *
 * Example:
 *   const tokenizer: UseLiteTokenizer = createUseLiteTokenizer(loadUseLiteVocabulary());
 *   tokenizer.size            // → 8000
 *   tokenizer.encode('日本')  // → [30, 0]   ('▁', then one unknown id for both characters)
 */
export interface UseLiteTokenizer {
  /** Number of ids in the vocabulary. */
  readonly size: number;
  /** Token ids of `text`, as the reference tokenizer gives them; `[]` for an empty text. */
  encode(text: string): number[];
}

const SEPARATOR = '\u2581';
const UNKNOWN = 0;
/** Ids 0–5 are the unknown id and control symbols: never matched against text. */
const RESERVED = 6;

/**
 * Build a tokenizer from the vocabulary shipped with the model (`vocab.json`).
 * Throws a TypeError naming the first entry that is not a `[string, number]` pair.
 *
 * Example:
 *   const tokenizer = createUseLiteTokenizer(loadUseLiteVocabulary());
 *   tokenizer.encode('Hello world') // → [341, 4125, 311]
 *   tokenizer.encode('')            // → []
 */
export function createUseLiteTokenizer(vocabulary: Vocabulary): UseLiteTokenizer {
  if (!Array.isArray(vocabulary)) {
    throw new TypeError(`distillscope: a USE-lite vocabulary is an array of [piece, score] pairs, got ${typeof vocabulary}`);
  }
  // Trie over UTF-16 code units: children[node] maps a code unit to the next node; pieceId[node] is
  // the id of the piece ending there (-1: none).
  const children: Array<Map<number, number>> = [new Map()];
  const pieceId: number[] = [-1];
  const pieceScore: number[] = [0];
  const pieceLength: number[] = [];
  vocabulary.forEach((entry, id) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || (typeof entry[1] !== 'number' && entry[1] !== null)) {
      throw new TypeError(`distillscope: vocabulary entry ${id} is not a [piece, score] pair: ${JSON.stringify(entry)}`);
    }
    const [piece, score] = entry;
    pieceLength.push(piece.length);
    if (id < RESERVED || piece.length === 0) return;
    let node = 0;
    for (let k = 0; k < piece.length; k++) {
      const edges = children[node] as Map<number, number>;
      const code = piece.charCodeAt(k);
      let next = edges.get(code);
      if (next === undefined) {
        next = children.length;
        edges.set(code, next);
        children.push(new Map());
        pieceId.push(-1);
        pieceScore.push(0);
      }
      node = next;
    }
    // A repeated piece keeps its last id and score, as in the reference.
    pieceId[node] = id;
    pieceScore[node] = score ?? 0;
  });

  function encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const input = SEPARATOR + normalized.replaceAll(' ', SEPARATOR);
    const n = input.length;
    const best = new Float64Array(n + 1);
    const word = new Int32Array(n + 1);
    const relax = (end: number, score: number, id: number): void => {
      const current = best[end] as number;
      if (current === 0 || score >= current) {
        best[end] = score;
        word[end] = id;
      }
    };
    // Every candidate ending at `end` starts before it, so visiting starts in increasing order
    // finishes best[start] before it is used and meets the candidates of each end in the
    // reference's order (increasing start).
    for (let start = 0; start < n; start++) {
      const base = best[start] as number;
      let node = 0;
      let matched = false;
      for (let k = start; k < n; k++) {
        const next = (children[node] as Map<number, number>).get(input.charCodeAt(k));
        if (next === undefined) break;
        node = next;
        const id = pieceId[node] as number;
        if (id >= 0) {
          matched = true;
          relax(k + 1, (pieceScore[node] as number) + base, id);
        }
      }
      if (!matched) relax(start + 1, base, UNKNOWN);
    }
    const reversed: number[] = [];
    let previousUnknown = false;
    for (let end = n; end > 0; ) {
      const id = word[end] as number;
      if (!(previousUnknown && id === UNKNOWN)) reversed.push(id);
      previousUnknown = id === UNKNOWN;
      end -= pieceLength[id] as number;
    }
    return reversed.reverse();
  }

  return { size: vocabulary.length, encode };
}
