import { describe, expect, it } from 'vitest';
import { findCues } from '../src/features/cues.js';
import { DEFAULT_FEATURE_CONFIG, extractFeatures } from '../src/features/index.js';
import { wordTokens } from '../src/features/tokenize.js';
import { toPromptRecord } from '../src/io/record.js';

const cueNames = (s: string): string[] => findCues(s).map((c) => c.name);

describe('wordTokens', () => {
  it('stems English words, maps numbers, splits CJK into characters and pairs', () => {
    const t = wordTokens('Calculating 17 apples 一步一步');
    expect(t.words).toEqual(['calcul', '<num>', 'appl', '一', '步', '一', '步']);
    expect(t.pairs).toEqual(['calcul <num>', '<num> appl', '一步', '步一', '一步']);
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
