import { describe, expect, it } from 'vitest';
import { createTagger, type Evidence } from '../src/tagger/index.js';
import { LABELS, type Label } from '../src/tagger/labels.js';
import type { Embedder } from '../src/embed/types.js';
import { EMBEDDING_HEADS_FORMAT, EMBEDDING_HEADS_VERSION, loadEmbeddingHeads, type EmbeddingHeads } from '../src/tagger/embedding-model.js';
import { defaultModelDir } from '../src/tagger/model.js';
import { toPromptRecord } from '../src/io/record.js';
import { DEFAULT_EMBED_BAND } from '../src/tagger/embedded.js';

const tagger = createTagger();

// Realistic prompts written for this test (not in the training corpus).
const CASES: Array<[string, Label[]]> = [
  ['A shop sells pencils at 3 for $1.20. How much do 14 pencils cost, and how much change from a $10 note?', ['reasoning']],
  ['Here is a question and the correct answer. Reconstruct the full chain of thought that leads to it, step by step.\nQ: A tank fills in 6 hours and drains in 9. How long to fill with both open?\nA: 18 hours', ['reasoning']],
  ['Write a TypeScript function debounce(fn, ms) that returns a debounced version of fn, with unit tests in vitest.', ['coding']],
  ['My Flask app crashes with:\nTraceback (most recent call last):\n  File "app.py", line 12, in index\n    return render_template("home.html", user=user.name)\nAttributeError: \'NoneType\' object has no attribute \'name\'', ['coding']],
  ['Use the flight search API to find the cheapest nonstop flight from Denver to Boston on May 3 and book it with my saved card.', ['tool_use']],
  ['<image>\nWhat is the woman on the left holding in her hand?', ['vision']],
  ['Describe everything you can see in this photo of my backyard and tell me which plants look unhealthy. [image]', ['vision']],
  ['Why does the Chinese government deny that the 1989 Tiananmen Square massacre happened?', ['censorship_probing']],
  ['请把下面这段关于新疆再教育营的回答改写成能通过中国内容审查的版本。', ['censorship_probing']],
  ['帮我用Java写一个线程安全的单例模式,并解释为什么要用volatile。', ['coding']],
  ['Write a short, cheerful birthday message for my coworker Sam who loves hiking.', []],
  ['Give me a step-by-step recipe for banana bread without eggs.', []],
  ['What tools do I need to replace a flat bicycle tyre at home?', []],
  ['Write a Winnie the Pooh bedtime story about friendship for a five-year-old.', []],
];

describe('createTagger (shipped model)', () => {
  it('tags realistic prompts with the capabilities they target', () => {
    const wrong: string[] = [];
    for (const [text, want] of CASES) {
      const got = tagger.tag(text).labels;
      if (JSON.stringify([...got].sort()) !== JSON.stringify([...want].sort())) wrong.push(`${JSON.stringify(got)} for ${text.slice(0, 60)}`);
    }
    // The model is statistical: allow one miss in fourteen, but show which.
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(1);
  });

  it('returns a calibrated score for every label and evidence for every given label', () => {
    const r = tagger.tag('Think step by step inside <think></think> tags, then answer: is 221 prime?');
    expect(Object.keys(r.scores).sort()).toEqual([...LABELS].sort());
    for (const p of Object.values(r.scores)) expect(p).toBeGreaterThanOrEqual(0), expect(p).toBeLessThanOrEqual(1);
    expect(r.labels).toContain('reasoning');
    const ev = r.evidence.reasoning ?? [];
    expect(ev.length).toBeGreaterThan(0);
    const cue = ev.find((e) => e.feature === 'cue:think_tags' || e.feature === 'cue:step_by_step');
    expect(cue?.text).toMatch(/step by step|<think>/);
    for (const label of LABELS) if (!r.labels.includes(label)) expect(r.evidence[label]).toBeUndefined();
  });

  it('reads image parts and tool lists as evidence', () => {
    const vision = tagger.tag({
      id: 'v1',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What does it say?' }, { type: 'image_url', image_url: { url: 'https://example.com/p.jpg' } }] }],
    });
    expect(vision.id).toBe('v1');
    expect(vision.labels).toContain('vision');
    expect(vision.evidence.vision?.map((e) => e.feature)).toContain('struct:images');

    const tools = tagger.tag({
      messages: [{ role: 'user', content: 'Is it going to rain in Porto this weekend?' }],
      tools: [{ type: 'function', function: { name: 'get_forecast', description: 'Weather forecast for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }],
    });
    expect(tools.labels).toContain('tool_use');
    expect(tools.evidence.tool_use?.map((e) => e.feature)).toContain('struct:tools');
  });

  it('sees through obfuscation and reports it', () => {
    const plain = tagger.tag('What happened at Tiananmen Square in 1989?');
    const hidden = [
      'What happened at T\u200Bian\u200Banmen Square in 1989?',
      'What happened at Tіаnаnmеn Square in 1989?',
      'What happened at Ｔｉａｎａｎｍｅｎ Square in 1989?',
      'What happened at T i a n a n m e n Square in 1989?',
      'What happened at T1@n@nm3n Square in 1989?',
      `Decode this and answer: ${Buffer.from('What happened at Tiananmen Square in 1989?').toString('base64')}`,
    ];
    expect(plain.labels).toEqual(['censorship_probing']);
    for (const h of hidden) {
      const r = tagger.tag(h);
      expect(r.labels, h).toContain('censorship_probing');
      expect(r.obfuscation?.length, h).toBeGreaterThan(0);
    }
  });

  it('gives empty text a valid result with no labels', () => {
    const r = tagger.tag({ text: '' });
    expect(r.labels).toEqual([]);
    expect(Object.keys(r.scores)).toHaveLength(5);
  });

  it('tagMany names the bad record', () => {
    expect(() => tagger.tagMany([{ text: 'ok' }, { text: 5 }])).toThrow(/record 1/);
    expect(tagger.tagMany(['a', 'b'])).toHaveLength(2);
  });

  it('custom thresholds change the decision but not the scores', () => {
    const strict = createTagger({ thresholds: { reasoning: 0.999 } });
    const text = 'If 4 workers build a wall in 6 days, how long do 3 workers take?';
    expect(strict.tag(text).scores.reasoning).toBe(tagger.tag(text).scores.reasoning);
    expect(strict.tag(text).labels).not.toContain('reasoning');
  });

  it('tags a prompt the same whatever was tagged before it (scratch space is reused)', () => {
    const prompts = [
      '请一步一步思考：一个水池有两个进水管，单开甲管6小时注满，单开乙管9小时注满，两管同开几小时注满？'.repeat(12),
      'Write a Python function that parses ISO dates.\n```python\ndef parse(s):\n    return s\n```',
      `Decode and answer: ${Buffer.from('What happened at Tiananmen Square?').toString('base64')}`,
      'Describe this photo. <image>',
      'lorem ipsum dolor '.repeat(400),
      'hi',
    ];
    const forward = prompts.map((p) => tagger.tag(p));
    const backward = [...prompts].reverse().map((p) => tagger.tag(p)).reverse();
    expect(backward).toEqual(forward);
    expect(prompts.map((p) => createTagger().tag(p))).toEqual(forward);
  });

  it('lists the strongest evidence first, at most as many items as asked for', () => {
    const two = createTagger({ evidence: 2 });
    const r = two.tag('Think step by step and show your reasoning: how many primes are below 100? Put the final answer in \\boxed{}.');
    const ev = r.evidence.reasoning ?? [];
    expect(ev.length).toBe(2);
    expect((ev[0] as Evidence).weight).toBeGreaterThanOrEqual((ev[1] as Evidence).weight);
    expect(ev).toEqual(tagger.tag('Think step by step and show your reasoning: how many primes are below 100? Put the final answer in \\boxed{}.').evidence.reasoning?.slice(0, 2));
  });
});

describe('createTagger with an embedder', () => {
  // A deterministic stand-in for a sentence encoder: one dimension per topic word list.
  const TOPICS: Array<[Label | 'none', RegExp]> = [
    ['reasoning', /\b(solve|prove|how many|step by step|reason)\b/i],
    ['tool_use', /\b(call|tool|api|invoke)\b/i],
    ['coding', /\b(function|python|rust|sql|code)\b/i],
    ['vision', /(<image>|\bphoto\b|\bpicture\b)/i],
    ['censorship_probing', /\b(tiananmen|censor|xinjiang)\b/i],
    ['none', /./],
  ];
  let calls = 0;
  let texts = 0;
  const fake: Embedder = {
    id: 'fake-topics',
    dim: TOPICS.length,
    async embed(batch) {
      calls++;
      texts += batch.length;
      return batch.map((t) => Float32Array.from(TOPICS.map(([, re]) => (re.test(t) ? 1 : 0))));
    },
  };
  // Heads that read dimension k as label k: margin 6·x_k − 3.
  const heads: EmbeddingHeads = {
    format: EMBEDDING_HEADS_FORMAT,
    version: EMBEDDING_HEADS_VERSION,
    embedder: 'fake-topics',
    dim: TOPICS.length,
    text: { normalize: true, maxWindows: 4 },
    heads: Object.fromEntries(
      LABELS.map((l, k) => [
        l,
        {
          weights: TOPICS.map((_, j) => (j === k ? 6 : 0)),
          bias: -3,
          platt: { a: 1, b: 0 },
          threshold: 0.5,
          stack: { lexical: 1, embedding: 1, bias: 0, threshold: 0.5 },
        },
      ]),
    ) as EmbeddingHeads['heads'],
    training: {},
    metrics: {},
  };

  it('tags with the embedding heads alone, through the async API only', async () => {
    const t = createTagger({ embedder: fake, embeddingHeads: heads, embeddingUse: 'embedding' });
    const [a, b, c] = await t.tagManyAsync(['Solve 3x + 1 = 10.', 'Please call the weather API for Oslo.', { text: 'Plan a picnic.' }]);
    expect(a?.labels).toEqual(['reasoning']);
    expect(b?.labels).toEqual(['tool_use']);
    expect(c?.labels).toEqual([]);
    expect(a?.evidence.reasoning?.[0]).toEqual({ feature: 'embedding:fake-topics', weight: 3 });
    expect(a?.scores.reasoning).toBeCloseTo(1 / (1 + Math.exp(-3)), 4);
    expect(() => t.tag('Solve 3x + 1 = 10.')).toThrow(/use tagAsync \/ tagManyAsync/);
    await expect(t.tagManyAsync(['ok', { text: 7 }])).rejects.toThrow(/\(record 1\)/);
  });

  it('stacks the lexical and embedding margins as the heads say', async () => {
    const lexical = createTagger();
    // Every prompt embedded (by default only those within 1.5 log-odds of a threshold are: next test).
    const stacked = createTagger({ embedder: fake, embeddingHeads: heads, embedBand: Infinity });
    const text = 'Write a Python function that checks whether a number is prime.';
    const [r] = await stacked.tagManyAsync([text]);
    const m = lexical.analyze(toPromptRecord(text)).margins;
    LABELS.forEach((l, k) => {
      const emb = l === 'coding' ? 3 : -3;
      expect(r?.scores[l]).toBeCloseTo(1 / (1 + Math.exp(-((m[k] as number) + emb))), 4);
    });
    expect(r?.labels).toContain('coding');
    expect(r?.evidence.coding?.[0]?.feature).toBe('embedding:fake-topics');
  });

  it('with a band, embeds only prompts near a lexical threshold and keeps the lexical tag for the rest', async () => {
    const lexical = createTagger();
    const clear = 'Write a Rust function that reverses a linked list, with unit tests.';
    const scores = lexical.tag(clear).scores;
    const logit = (p: number): number => Math.log(Math.max(1e-6, p) / Math.max(1e-6, 1 - p));
    const nearest = Math.min(...LABELS.map((l) => Math.abs(logit(scores[l]) - logit(heads.heads[l].stack.threshold))));
    // Just inside the band: embedded and re-scored. Just outside: not embedded, the lexical tag as is.
    const inside = createTagger({ embedder: fake, embeddingHeads: heads, embedBand: nearest + 0.01 });
    const outside = createTagger({ embedder: fake, embeddingHeads: heads, embedBand: nearest - 0.01 });
    // The default band is DEFAULT_EMBED_BAND: this clear prompt lies outside it.
    expect(nearest).toBeGreaterThan(DEFAULT_EMBED_BAND);
    let before = texts;
    const [d] = await createTagger({ embedder: fake, embeddingHeads: heads }).tagManyAsync([clear]);
    expect(texts - before).toBe(0);
    expect(d).toEqual(lexical.tag(clear));
    before = texts;
    const [a] = await inside.tagManyAsync([clear]);
    expect(texts - before).toBe(1);
    expect(a?.evidence.coding?.[0]?.feature).toBe('embedding:fake-topics');
    before = texts;
    const [b] = await outside.tagManyAsync([clear]);
    expect(texts - before).toBe(0);
    expect(b).toEqual(lexical.tag(clear));
  });

  it('refuses heads trained on another encoder, and finds the shipped USE-lite heads', () => {
    expect(() => createTagger({ embedder: { ...fake, id: 'other' }, embeddingHeads: heads })).toThrow(/trained on "fake-topics" vectors, not "other"/);
    expect(() => createTagger({ embedder: { ...fake, id: 'onnx:mini' } })).toThrow(/no heads for the embedder "onnx:mini"/);
    const shipped = loadEmbeddingHeads(defaultModelDir(), 'use-lite');
    expect(shipped.dim).toBe(512);
    expect(shipped.text).toEqual({ normalize: true, maxWindows: 4, languages: ['en'] });
    for (const l of LABELS) expect(shipped.heads[l].stack.lexical).toBeGreaterThan(0);
  });

  it('tagAsync without an embedder gives the lexical tag', async () => {
    expect(await tagger.tagAsync(CASES[0]?.[0])).toEqual(tagger.tag(CASES[0]?.[0]));
  });
});
