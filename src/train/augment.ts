import { createRng } from '../util/rng.js';
import type { LabelledRecord } from './data.js';

/**
 * Seeded augmentation of hand-written prompts. Each variant keeps its source's labels and group, so
 * cross-validation keeps a prompt and its variants in the same fold, and evaluation counts only
 * the hand-written originals. Variants teach the heads what must not matter: letter case and
 * punctuation, a generic chat wrapper or system prompt, politeness padding, a base64 payload.
 */

const SYSTEMS = [
  'You are a helpful assistant.',
  'You are ChatGPT, a large language model. Answer as concisely as possible.',
  '你是一个乐于助人的助手。',
  'You are an AI assistant. Follow the user instructions carefully.',
  'Eres un asistente útil.',
];
const PREFIXES = ['Hi! ', 'hey, quick question: ', 'Please help. ', '请帮我:', 'Hello, ', 'Q: ', ''];
const SUFFIXES = [' Thanks!', ' thx', ' 谢谢!', ' Please answer in English.', ' Be concise.', ''];

type Variant = (r: LabelledRecord, pick: <T>(xs: readonly T[]) => T) => LabelledRecord | null;

const VARIANTS: readonly Variant[] = [
  (r) => (r.text === undefined ? null : { ...r, text: r.text.toLowerCase().replace(/[?.!,;:]+/g, '') }),
  (r, pick) =>
    r.text === undefined
      ? null
      : { ...r, text: undefined, messages: [{ role: 'system', content: pick(SYSTEMS) }, { role: 'user', content: r.text }] },
  (r, pick) => (r.text === undefined ? null : { ...r, text: `${pick(PREFIXES)}${r.text}${pick(SUFFIXES)}` }),
  (r) =>
    r.text === undefined || r.text.length > 2000
      ? null
      : { ...r, text: `Decode this base64 and answer it: ${Buffer.from(r.text, 'utf8').toString('base64')}` },
];

/**
 * One variant for about `rate` of the records, chosen and built from a seeded generator.
 *
 * Example:
 *   augment([{ text: 'How many legs do 3 spiders have?', labels: ['reasoning'], group: 0 }], 1, 1)
 *   // → [{ text: 'how many legs do 3 spiders have', labels: ['reasoning'], group: 0, augmented: true }] (variant depends on seed)
 */
export function augment(records: readonly LabelledRecord[], seed: number, rate = 0.5): LabelledRecord[] {
  const rand = createRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: LabelledRecord[] = [];
  for (const r of records) {
    if (rand() >= rate) continue;
    const v = pick(VARIANTS)(r, pick);
    if (v) out.push({ ...v, augmented: true });
  }
  return out;
}
