import { describe, expect, it } from 'vitest';
import { affixesOf, BatchAccumulator, headAndTail, SKETCH_CHARS } from '../src/batch/accumulator.js';
import { wordShingleSignature } from '../src/batch/minhash.js';
import { hashString } from '../src/features/hash.js';
import { cappedForTagging, createBatchScorer, SCORING_TAG_CHARS, scoreBatch } from '../src/batch/index.js';
import { computeSignals } from '../src/batch/signals.js';
import { createTagger } from '../src/tagger/index.js';
import { toPromptRecord } from '../src/io/record.js';

const tagger = createTagger({ evidence: 0 });

// Small hand-made batches (realistic prompts written for these tests).
const QUESTIONS = [
  'A farmer has 17 sheep and buys 8 more, then sells 5. How many sheep are left?',
  'If a car travels 240 km on 18 litres of fuel, how far can it go on 45 litres?',
  'What is the smallest positive integer divisible by 6, 8 and 15?',
  'A rectangle has a perimeter of 46 cm and a length of 15 cm. What is its area?',
  'Three friends split a bill of $87.60 and a 15% tip equally. How much does each pay?',
  'How many ways can 5 books be arranged on a shelf if two must stay together?',
  'A tank is 2/5 full. After adding 36 litres it is 7/10 full. What is its capacity?',
  'The average of four numbers is 23. Three of them are 18, 25 and 30. What is the fourth?',
  'A clock gains 3 minutes every hour. How much will it gain in a week?',
  'Is 391 a prime number? Justify.',
  'Two trains leave towns 300 km apart at 60 and 90 km/h toward each other. When do they meet?',
  'What is the probability of rolling a sum of 9 with two dice?',
  'A shirt costs $32 after a 20% discount. What was the original price?',
  'Find x if 3(x - 4) = 2x + 7.',
  'A recipe needs 250 g flour for 12 cookies. How much flour for 30 cookies?',
  'How many diagonals does a decagon have?',
];
const SCAFFOLD = 'You are an expert tutor. Think step by step inside <think></think> tags, writing out every intermediate step, then give the final answer on its own line.\n\nProblem: ';
const PARAPHRASES = [
  'Before answering, reason carefully and show your full chain of thought between <think> and </think>. Problem: ',
  'Write out your complete internal reasoning step by step inside <think></think>, then state the final answer. Question: ',
  'Explain your reasoning in detail, step by step, in <think> tags, and finish with "Final answer:". Task: ',
  'Show your work: put the whole thought process inside <think></think> before the answer. Q: ',
];
const ORDINARY = [
  'Write a short thank-you note to my neighbour for watering the plants.',
  'What are some good names for a golden retriever puppy?',
  'Help me plan a three-day trip to Lisbon on a budget.',
  'Rewrite this sentence to sound more polite: send me the report now.',
  'Give me ideas for a 10-year-old birthday party at home.',
  'What should I pack for a weekend camping trip in October?',
  'Summarise the plot of Pride and Prejudice in three sentences.',
  'Suggest a vegetarian dinner I can make in 20 minutes.',
  'How do I politely decline a wedding invitation?',
  'Write a haiku about the first snow of winter.',
  'What is a good stretching routine after running?',
  'Draft a message asking my landlord to fix the heating.',
  'Recommend three podcasts about history.',
  'Tips for falling asleep faster?',
  'Write a toast for my sister’s graduation party.',
  'How can I keep basil alive on a windowsill?',
];

const signalsOf = (texts: string[]) => {
  const acc = new BatchAccumulator();
  texts.forEach((text, i) => {
    const a = tagger.analyze({ text, userText: text, systemText: '', images: 0, tools: 0, toolNames: [], toolCalls: 0, turns: 1 });
    acc.add({ text, systemText: '', labels: a.result.labels, markers: a.cues.some((c) => c.name === 'think_tags' || c.name === 'step_by_step' || c.name === 'chain_of_thought') ? 1 : 0 }, i);
  });
  return computeSignals(acc);
};

describe('batch signals on hand-made batches', () => {
  it('a templated reasoning-trace campaign: one template, near-duplicates, traces, focus', () => {
    const s = signalsOf(QUESTIONS.map((q) => SCAFFOLD + q));
    expect(s.template_concentration.value).toBeGreaterThan(0.9);
    expect(s.template_concentration.reason).toContain('<*>');
    expect(s.scaffold_share.value).toBeGreaterThan(0.9);
    expect(s.reasoning_trace_share.value).toBe(1);
    expect(s.high_value_share.value).toBeGreaterThan(0.8);
    expect(s.capability_focus.value).toBeGreaterThan(0.7);
    expect(s.exact_duplicate.value).toBe(0);
  });

  it('a paraphrased campaign still shows traces and shared templates', () => {
    const s = signalsOf(QUESTIONS.map((q, i) => (PARAPHRASES[i % PARAPHRASES.length] as string) + q));
    expect(s.reasoning_trace_share.value).toBe(1);
    expect(s.template_concentration.value).toBeGreaterThan(0.5);
    expect(s.high_value_share.value).toBeGreaterThan(0.8);
  });

  it('a product wrapper: one template but no capability focus and no extraction markers', () => {
    const s = signalsOf(ORDINARY.map((m) => `Translate this customer message into French, keeping the tone friendly:\n\n${m}`));
    expect(s.template_concentration.value).toBeGreaterThan(0.9);
    expect(s.reasoning_trace_share.value).toBe(0);
    expect(s.grading_share.value).toBe(0);
    expect(s.high_value_share.value).toBeLessThan(0.3);
  });

  it('a re-sender: exact duplicates without a template', () => {
    const s = signalsOf([...ORDINARY.slice(0, 8), ...ORDINARY.slice(0, 8)]);
    expect(s.exact_duplicate.value).toBeGreaterThan(0.4);
    expect(s.template_concentration.value).toBeLessThan(0.3);
    expect(s.near_duplicate.value).toBe(0);
  });

  it('ordinary traffic: low everything', () => {
    const s = signalsOf(ORDINARY);
    expect(s.template_concentration.value).toBeLessThan(0.3);
    expect(s.near_duplicate.value).toBeLessThan(0.2);
    expect(s.scaffold_share.value).toBe(0);
    expect(s.timing_regularity.value).toBe(0);
    expect(s.timing_regularity.reason).toMatch(/too few timestamps/);
  });

  it('timing regularity separates a script from a person', () => {
    const at = (gaps: (i: number) => number) => {
      const acc = new BatchAccumulator();
      let t = 1_700_000_000_000;
      ORDINARY.forEach((text, i) => {
        t += gaps(i);
        acc.add({ text, systemText: '', labels: [], markers: 0, ts: t }, i);
      });
      return computeSignals(acc).timing_regularity.value;
    };
    expect(at(() => 5000)).toBeGreaterThan(0.95);
    expect(at((i) => [2000, 90_000, 4000, 3_600_000, 1000][i % 5] as number)).toBeLessThan(0.6);
  });

  it('merging two halves gives the same counts as one pass', () => {
    const texts = QUESTIONS.map((q) => SCAFFOLD + q);
    const whole = new BatchAccumulator();
    const a = new BatchAccumulator();
    const b = new BatchAccumulator();
    texts.forEach((text, i) => {
      const view = { text, systemText: '', labels: ['reasoning'] as const, markers: 1 };
      whole.add(view, i);
      (i % 2 ? a : b).add(view, i);
    });
    a.merge(b);
    expect(a.n).toBe(whole.n);
    const [ca, cw] = [a.sampleCounts(), whole.sampleCounts()];
    expect([ca.size, ca.labels, ca.markers]).toEqual([cw.size, cw.labels, cw.markers]);
    // Each half's first scaffolded prompt founds its template there, so one more is not "templated".
    expect(Math.abs(ca.templatedCapability - cw.templatedCapability)).toBeLessThanOrEqual(1);
    const sw = computeSignals(whole);
    const sm = computeSignals(a);
    expect(sm.reasoning_trace_share.value).toBe(sw.reasoning_trace_share.value);
    expect(sm.template_concentration.value).toBeCloseTo(sw.template_concentration.value, 1);
  });
});

describe('scaffold affixes and long prompts', () => {
  const bySplit = (text: string, k: number): [string, string] | undefined => {
    const tokens = text.trim().toLowerCase().split(/\s+/);
    return tokens.length >= 2 * k ? [tokens.slice(0, k).join(' '), tokens.slice(-k).join(' ')] : undefined;
  };

  it('reads the first and last 8 tokens from both ends, as splitting the whole text would', () => {
    const cases = [
      `${SCAFFOLD}What is 17 × 23?`,
      '  You are a helpful assistant.\n\nAnswer the user\u2003politely: where is my parcel #A-1172? Thanks a lot!  ',
      '请一步一步思考 然后 回答 这个 问题 : 小明 有 15 个 苹果 , 吃掉 了 3 个',
      'ΟΔΟΣ one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen ΤΈΛΟΣ',
      'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen',
      'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen',
      '',
      '   \n\t ',
    ];
    let seed = 3;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pieces = ['word', 'Ünï', '中文', ' ', '  ', '\n', '\u00a0', '\u3000', 'x', '😀', 'İ'];
    for (let t = 0; t < 2000; t++) cases.push(Array.from({ length: Math.floor(rnd() * 60) }, () => pieces[Math.floor(rnd() * pieces.length)]).join(''));
    for (const text of cases) expect(affixesOf(text, 8), JSON.stringify(text)).toEqual(bySplit(text, 8));
  });

  it('keeps both ends of a long prompt: the agent preamble and the task', () => {
    const preamble = 'You are an autonomous coding agent. '.repeat(100);
    const text = `${preamble}Task: fix the failing test in src/app.ts`;
    const cut = headAndTail(text, 2000);
    expect(cut.length).toBe(2001);
    expect(cut.startsWith('You are an autonomous coding agent.')).toBe(true);
    expect(cut.endsWith('Task: fix the failing test in src/app.ts')).toBe(true);
    expect(headAndTail('short prompt', 2000)).toBe('short prompt');
  });
});

describe('the tagged sample', () => {
  it('tags every prompt of a small batch and a bounded uniform sample of a large one', () => {
    // 2,000 prompts, a quarter of them reasoning: the sample of 32 is tagged, not the batch.
    const acc = new BatchAccumulator();
    let calls = 0;
    for (let i = 0; i < 2000; i++) {
      const reasoning = i % 4 === 0;
      const text = reasoning ? `Solve step by step: what is ${i} times ${i + 7}?` : `Suggest a name for my cat number ${i}, she is grey and shy.`;
      acc.add({ text, systemText: '', analyze: () => (calls++, { labels: reasoning ? ['reasoning'] : [], markers: reasoning ? 1 : 0 }) }, i);
    }
    // Entries into a bottom-32 sample over 2,000 prompts in random order: about 32 · (1 + ln(2000/32)) ≈ 164.
    expect(calls).toBeGreaterThan(32);
    expect(calls).toBeLessThan(300);
    const c = acc.sampleCounts();
    expect(c.size).toBe(32);
    // The share is estimated from the sample: 0.25 within four binomial standard errors (0.077 each).
    expect(Math.abs((c.labels[0] as number) / 32 - 0.25)).toBeLessThan(0.31);
    const s = computeSignals(acc);
    expect(s.high_value_share.reason).toMatch(/of 32 sampled/);
    expect(s.reasoning_trace_share.value).toBeCloseTo((c.markers[0] as number) / 32, 6);
    // Near-duplicate structure still reads its own, larger sample of signatures.
    expect(acc.sample.size).toBe(64);

    const small = new BatchAccumulator();
    let smallCalls = 0;
    for (let i = 0; i < 30; i++) small.add({ text: `Question ${i}: is ${i * 13 + 1} prime?`, systemText: '', analyze: () => (smallCalls++, { labels: ['reasoning'], markers: 0 }) }, i);
    expect(smallCalls).toBe(30);
    expect(small.sampleCounts().labels[0]).toBe(30);
    expect(computeSignals(small).high_value_share.reason).not.toMatch(/sampled/);
  });
});

describe('the signature slab', () => {
  it("keeps each sampled prompt's own signature while slots are reused, alone and after a merge", () => {
    const texts = Array.from({ length: 900 }, (_, i) =>
      i % 2 ? `${SCAFFOLD}${QUESTIONS[i % QUESTIONS.length]} Variant ${i}.` : `${ORDINARY[i % ORDINARY.length]} (ticket ${i * 7})`,
    );
    const byExact = new Map(texts.map((t) => [hashString(t.trim().toLowerCase()), t]));
    const check = (acc: BatchAccumulator): void => {
      const items = acc.sample.items();
      expect(items.length).toBe(64);
      for (const s of items) {
        const text = byExact.get(s.exact) as string;
        expect(Array.from(acc.signatureOf(s))).toEqual(Array.from(wordShingleSignature(headAndTail(text, SKETCH_CHARS), new Uint32Array(64))));
      }
    };
    const whole = new BatchAccumulator();
    const a = new BatchAccumulator();
    const b = new BatchAccumulator();
    texts.forEach((text, i) => {
      whole.add({ text, systemText: '', labels: [], markers: 0 }, i);
      (i < 500 ? a : b).add({ text, systemText: '', labels: [], markers: 0 }, i);
    });
    check(whole);
    a.merge(b);
    check(a);
    expect(a.sample.entries().map((e) => e.key)).toEqual(whole.sample.entries().map((e) => e.key));
  });
});

describe('deferred tagging', () => {
  // 2,000 prompts, a quarter of them reasoning, offered with both ways to tag.
  const view = (i: number, count: { now: number; later: number; deferred: number }) => {
    const reasoning = i % 4 === 0;
    const text = reasoning ? `Solve step by step: what is ${i} times ${i + 7}?` : `Suggest a name for my cat number ${i}, she is grey and shy.`;
    const tags = { labels: reasoning ? (['reasoning'] as const) : [], markers: reasoning ? 1 : 0 };
    return {
      text,
      systemText: '',
      analyze: () => (count.now++, tags),
      deferTag: () => (count.deferred++, () => (count.later++, tags)),
    };
  };

  it('tags later the prompts likely to leave the sample, with the same counts as tagging at once', () => {
    const eager = new BatchAccumulator();
    const lazy = new BatchAccumulator();
    const e = { now: 0, later: 0, deferred: 0 };
    const l = { now: 0, later: 0, deferred: 0 };
    for (let i = 0; i < 2000; i++) {
      const { deferTag: _unused, ...onlyNow } = view(i, e);
      eager.add(onlyNow, i);
      lazy.add(view(i, l), i);
    }
    expect(lazy.sampleCounts()).toEqual(eager.sampleCounts());
    // A second read runs nothing again.
    const later = l.later;
    lazy.sampleCounts();
    expect(l.later).toBe(later);
    // Entries into the sample: about 164 (see above). Deferred ones run only if they stayed.
    expect(e.now).toBeGreaterThan(100);
    expect(l.deferred).toBeGreaterThan(0);
    expect(l.later).toBeLessThanOrEqual(32);
    expect(l.now + l.later).toBeLessThan(0.7 * e.now);
    expect(l.now + l.deferred).toBe(e.now);
    // With only the deferred form, prompts tagged on entry run it at once: same counts again.
    const only = new BatchAccumulator();
    const o = { now: 0, later: 0, deferred: 0 };
    for (let i = 0; i < 2000; i++) {
      const { analyze: _unused, ...onlyLater } = view(i, o);
      only.add(onlyLater, i);
    }
    expect(only.sampleCounts()).toEqual(eager.sampleCounts());
    expect(o.now).toBe(0);
  });

  it('keeps a capped, detached copy of a long prompt and tags it as the whole record would be tagged', () => {
    const preamble = 'You are an autonomous coding agent working in a monorepo. Follow the plan, run the tests, report the diff. '.repeat(60);
    const rec = toPromptRecord({
      messages: [
        { role: 'system', content: preamble },
        { role: 'user', content: `${preamble}\nTask: fix the failing test in src/app.ts and explain the bug step by step.` },
      ],
    });
    const kept = cappedForTagging(rec, true);
    for (const s of [kept.text, kept.userText, kept.systemText]) expect(s.length).toBeLessThanOrEqual(SCORING_TAG_CHARS + 1);
    expect(kept.text.endsWith('explain the bug step by step.')).toBe(true);
    expect([kept.images, kept.tools, kept.toolCalls, kept.turns]).toEqual([rec.images, rec.tools, rec.toolCalls, rec.turns]);
    const viaCopy = tagger.analyze(kept).result;
    const viaCut = tagger.analyze({ ...rec, text: headAndTail(rec.text, SCORING_TAG_CHARS) }).result;
    expect(viaCopy.scores).toEqual(viaCut.scores);
    // Odd code units survive the copy.
    const odd = toPromptRecord({ text: `a\ud800b😀${'x'.repeat(2000)}\udc00` });
    expect(cappedForTagging(odd, true).text).toBe(headAndTail(odd.text, SCORING_TAG_CHARS));
  });

  it('scores the same with deferred tagging as with every sampled prompt tagged at once', () => {
    const records = Array.from({ length: 400 }, (_, i) =>
      i % 3 === 0 ? { text: `${SCAFFOLD}${QUESTIONS[i % QUESTIONS.length]} (${i})` } : { text: `${ORDINARY[i % ORDINARY.length]} #${i}` },
    );
    const scorer = createBatchScorer({ tagger });
    records.forEach((r, i) => scorer.add(r, 'acct', i));
    const [deferred] = scorer.results();
    const acc = new BatchAccumulator();
    records.forEach((r, i) => {
      const rec = toPromptRecord(r);
      acc.add({ text: rec.text, userText: rec.userText, systemText: rec.systemText, analyze: () => ({ labels: tagger.analyze(rec).result.labels, markers: 0 }) }, i);
    });
    // Same sample, same labels (markers aside): the capability signals agree.
    expect(deferred?.signals.high_value_share).toBe(Math.round(computeSignals(acc).high_value_share.value * 1e4) / 1e4);
  });
});

describe('scoreBatch', () => {
  it('scores a templated campaign above ordinary traffic, with reasons and templates', () => {
    const campaign = scoreBatch(QUESTIONS.map((q) => ({ text: SCAFFOLD + q })), { tagger, batch: 'acct-1' });
    const ordinary = scoreBatch(ORDINARY.map((text) => ({ text })), { tagger, batch: 'acct-2' });
    expect(campaign.batch).toBe('acct-1');
    expect(campaign.n).toBe(QUESTIONS.length);
    expect(campaign.score).toBeGreaterThan(ordinary.score);
    expect(campaign.level).not.toBe('low');
    expect(ordinary.level).toBe('low');
    expect(campaign.reasons.length).toBeGreaterThan(0);
    expect(campaign.templates[0]?.text).toContain('<think></think>');
    expect(campaign.fingerprints.some((f) => f.startsWith('t:'))).toBe(true);
  });

  it('names the bad record and handles an empty batch', () => {
    expect(() => scoreBatch([{ text: 'ok' }, { nope: 1 }], { tagger })).toThrow(/record 1/);
    const empty = scoreBatch([], { tagger });
    expect(empty.n).toBe(0);
    expect(empty.level).toBe('low');
  });

  it('a streaming scorer keeps batches apart whatever the order', () => {
    const scorer = createBatchScorer({ tagger });
    QUESTIONS.forEach((q, i) => {
      scorer.add({ text: SCAFFOLD + q }, 'camp');
      scorer.add({ text: ORDINARY[i] as string }, 'user');
    });
    const byName = Object.fromEntries(scorer.results().map((r) => [r.batch, r]));
    expect(byName.camp?.n).toBe(16);
    expect(byName.user?.n).toBe(16);
    expect((byName.camp?.score ?? 0) > (byName.user?.score ?? 1)).toBe(true);
  });
});
