import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import natural from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { describe, expect, it } from 'vitest';
import { CUES, findCues } from '../src/features/cues.js';
import { DEFAULT_FEATURE_CONFIG, extractFeatures } from '../src/features/index.js';
import { porterStem } from '../src/features/porter.js';
import { wordTokens } from '../src/features/tokenize.js';
import { toPromptRecord } from '../src/io/record.js';
import { ROOT } from './helpers.js';

const cueNames = (s: string): string[] => findCues(s).map((c) => c.name);

describe('wordTokens', () => {
  it('stems English words, maps numbers, splits CJK into characters and pairs', () => {
    const t = wordTokens('Calculating 17 apples 一步一步');
    expect(t.words).toEqual(['calcul', '<num>', 'appl', '一', '步', '一', '步']);
    expect(t.pairs).toEqual(['calcul <num>', '<num> appl', '一步', '步一', '一步']);
  });

  it('gives a remembered word the same as a new one, also after the memory fills up', () => {
    const text = "Calculating CALCULATED calculation's 17 x86 naïve \u212Aelvin caf\u00e9 Running runs ran don't a_b 3_000";
    const first = wordTokens(text);
    expect(wordTokens(text)).toEqual(first);
    // More distinct words than the tokenizer remembers, so it starts over at least once.
    const flood = Array.from({ length: 70_000 }, (_, i) => `w${i.toString(36)}ing`).join(' ');
    wordTokens(flood);
    expect(wordTokens(text)).toEqual(first);
    expect(first.words.slice(0, 4)).toEqual(['calcul', 'calcul', "calculation's", '<num>']);
  });
});

describe('porterStem', () => {
  it("stems exactly as natural's PorterStemmer, on corpus words and suffix combinations", () => {
    const words = new Set<string>();
    const dir = join(ROOT, 'corpus/prompts');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      for (const w of readFileSync(join(dir, f), 'utf8').toLowerCase().match(/[a-z]{4,29}/g) ?? []) words.add(w);
    }
    const stems = ['rel', 'cat', 'hop', 'fil', 'troubl', 'siz', 'agre', 'feed', 'conflat', 'sky', 'happ', 'formal', 'electr', 'adjust', 'bomb', 'gener', 'controll', 'roll', 'cease', 'ty', 'by'];
    const suffixes = ['', 's', 'es', 'sses', 'ies', 'ed', 'eed', 'ing', 'y', 'ational', 'tional', 'enci', 'izer', 'bli', 'alli', 'entli', 'eli', 'ousli', 'ization', 'ation', 'ator', 'alism', 'iveness', 'fulness', 'aliti', 'iviti', 'biliti', 'logi', 'icate', 'ative', 'alize', 'iciti', 'ical', 'ful', 'ness', 'al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'sion', 'tion', 'e', 'll'];
    for (const stem of stems) for (const a of suffixes) for (const b of ['', 's', 'ed', 'ing', 'ly', 'ness']) words.add(stem + a + b);
    const differ = [...words].filter((w) => porterStem(w) !== natural.stem(w));
    expect(words.size).toBeGreaterThan(10_000);
    expect(differ).toEqual([]);
  });
});

describe('findCues', () => {
  it('finds reasoning elicitation in several languages, with spans', () => {
    const hits = findCues('Think step by step inside <think></think> tags, then give the final answer.');
    expect(hits.map((h) => h.name)).toEqual(expect.arrayContaining(['step_by_step', 'think_tags', 'final_answer']));
    const step = hits.find((h) => h.name === 'step_by_step');
    expect(step?.spans[0]).toEqual([6, 18]);
    expect(cueNames('请一步一步思考,写出推理过程')).toEqual(expect.arrayContaining(['step_by_step_zh', 'chain_of_thought_zh']));
    expect(cueNames('Résous ce problème étape par étape')).toContain('step_by_step');
  });

  it('finds code, stack traces, tool schemas, ReAct and image placeholders', () => {
    expect(cueNames('```python\ndef add(a, b):\n    return a + b\n```')).toEqual(expect.arrayContaining(['code_fence', 'code_syntax']));
    expect(cueNames('Traceback (most recent call last):\n  File "a.py", line 3, in <module>\nKeyError: \'x\'')).toContain('stack_trace');
    expect(cueNames('{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}')).toContain('tool_schema');
    expect(cueNames('Thought: I need the price.\nAction: search[AAPL]\nObservation: 189.2')).toContain('tool_call_shape');
    expect(cueNames('<image>\nWhat is the man holding?')).toEqual(expect.arrayContaining(['image_placeholder', 'visual_question']));
    expect(cueNames('看看这张图片里有什么')).toContain('image_reference_zh');
  });

  it('finds PRC-sensitive entities in English and Chinese', () => {
    expect(cueNames('What happened to the Uyghurs in Xinjiang re-education camps?')).toContain('prc_sensitive');
    expect(cueNames('请介绍一下法轮功和六四')).toContain('prc_sensitive_zh');
  });

  it('records phrases that start at one place in table order, across white-space runs', () => {
    const zh = findCues('维吾尔族');
    expect(zh.find((h) => h.name === 'prc_sensitive_zh')).toMatchObject({ count: 2, spans: [[0, 3], [0, 4]] });
    const step = findCues('Go step \n\t by  step.').find((h) => h.name === 'step_by_step');
    expect(step?.spans).toEqual([[3, 19]]);
    expect(cueNames('stepping by stepwise')).not.toContain('step_by_step');
  });

  it('only skips a pattern when its quick test says no match is possible', () => {
    const samples = [
      '<image> what is this', 'see <img src=x>', '[image] here', '[IMG]', '<|image|>', '![a photo](x.png)', 'data:image/png;base64,AAAA',
      'open cat-photo.jpeg now', 'file.heic', 'a.PNG', '<tool_call>{}</tool_call>', '<function_calls>', '<invoke name="x">',
      'Action Input: {"q": 1}', 'Action: search', 'Observation: ok', 'Thought: hmm', '思考：先查', '行动: 搜索', '观察：好',
      '{"name": "get_weather", "arguments": {}}', 'call get_weather(city="Oslo")', 'get_x(a=1)', 'plain text, no shapes',
    ];
    for (const cue of CUES.filter((c) => c.needs)) {
      for (const s of samples) {
        const re = new RegExp(cue.pattern?.source ?? '', cue.pattern?.flags.replace('g', ''));
        if (re.test(s)) expect(cue.needs?.test(s), `${cue.name}: ${s}`).toBe(true);
      }
    }
  });

  it('finds nothing special in an ordinary request', () => {
    expect(cueNames('Write a warm thank-you note to my neighbour.')).toEqual([]);
  });

  it('stays linear on adversarial input', () => {
    const inputs = ['a_'.repeat(50_000), 'SELECT '.repeat(20_000), '$'.repeat(100_000), '{ '.repeat(50_000), 'at a.b(' .repeat(20_000), 'xError'.repeat(20_000)];
    for (const s of inputs) {
      const t0 = performance.now();
      findCues(s);
      expect(performance.now() - t0).toBeLessThan(3000);
    }
  });
});

describe('extractFeatures', () => {
  it('reads every word and pair of prompts of any length (scratch buffers grow as needed)', () => {
    for (const n of [100, 600, 1000, 1500, 2500, 5000]) {
      for (const unit of ['请一步一步思考这个问题', 'think step by step ']) {
        const text = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
        const x = extractFeatures(toPromptRecord(text), DEFAULT_FEATURE_CONFIG, undefined, true);
        const toks = wordTokens(text);
        const names = new Set(x.names?.values());
        expect(names.has(`word:${toks.words[toks.words.length - 1] as string}`), `${n} ${unit}`).toBe(true);
        expect(names.has(`words:${toks.pairs[toks.pairs.length - 1] as string}`), `${n} ${unit}`).toBe(true);
      }
    }
  });

  it('is deterministic and L2-normalizes the n-gram blocks', () => {
    const rec = toPromptRecord('Write a function that reverses a linked list in C.');
    const a = extractFeatures(rec, DEFAULT_FEATURE_CONFIG);
    const b = extractFeatures(rec, DEFAULT_FEATURE_CONFIG);
    expect(Array.from(a.vector.idx)).toEqual(Array.from(b.vector.idx));
    expect(a.vector.idx.every((j) => j < DEFAULT_FEATURE_CONFIG.dim)).toBe(true);
    expect(a.cues.map((c) => c.name)).toContain('code_request');
  });

  it('adds structural features for images and tools, with names on request', () => {
    const rec = toPromptRecord({
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }],
      tools: [{ name: 'zoom', description: 'zoom the image', input_schema: {} }],
    });
    const x = extractFeatures(rec, DEFAULT_FEATURE_CONFIG, undefined, true);
    const names = [...(x.names?.values() ?? [])];
    expect(names).toEqual(expect.arrayContaining(['struct:images', 'struct:tools']));
  });

  it('sees through obfuscation: an obfuscated prompt shares the cues of the plain one', () => {
    const plain = extractFeatures(toPromptRecord('What happened at Tiananmen Square?'), DEFAULT_FEATURE_CONFIG);
    const hidden = extractFeatures(toPromptRecord('What happened at T\u200Bі@n@nm3n Square?'), DEFAULT_FEATURE_CONFIG);
    expect(hidden.cues.map((c) => c.name)).toEqual(plain.cues.map((c) => c.name));
    expect(hidden.notes.length).toBeGreaterThan(0);
  });

  it('bounds the work on a huge prompt', () => {
    const t0 = performance.now();
    const x = extractFeatures(toPromptRecord('lorem ipsum '.repeat(500_000)), DEFAULT_FEATURE_CONFIG);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(x.notes.map((n) => n.kind)).toContain('truncated');
  });
});
