import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, ROOT } from './helpers.js';

const run = (args: string[], input?: string | Buffer) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, input, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' });

const lines = (b: Buffer): Array<Record<string, unknown>> =>
  b.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('distillscope tag', () => {
  beforeAll(ensureBuilt);

  it('writes exactly one line per input line, in order, with an error record for every bad line', () => {
    let nested = '"deep"';
    for (let i = 0; i < 50_000; i++) nested = `[${nested}]`;
    const input = Buffer.concat([
      Buffer.from(
        [
          JSON.stringify({ id: 'a', text: 'Write a Python function to merge two sorted lists.' }),
          '{"text": "unterminated',
          JSON.stringify({ id: 'b', prompt: 42 }),
          JSON.stringify({ id: 'c' }),
          JSON.stringify({ text: '' }),
          '',
          JSON.stringify({ text: `${'All work and no play. '.repeat(240_000)}` }),
          `{"messages": [{"role": "user", "content": ${nested}}]}`,
          '[1,2,3]',
          JSON.stringify({ text: 'Emoji 👩‍👩‍👧 and RTL \u202Eevil\u202C and lone \ud800 surrogate' }),
        ].join('\n') + '\n',
      ),
      Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x0a]),
      Buffer.from('\u0000\u0001 binary junk\n'),
      Buffer.from(`${JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is on the sign?' }, { type: 'image_url', image_url: { url: 'https://x/y.jpg' } }] }] })}\n`),
    ]);
    const r = run(['tag', '-'], input);
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((o) => o.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(out[0]).toMatchObject({ id: 'a', labels: ['coding'] });
    expect(out[1]?.error).toMatch(/malformed JSON/);
    expect(out[2]).toMatchObject({ id: 'b', error: expect.stringMatching(/"prompt" must be a string/) });
    expect(out[3]?.error).toMatch(/no "text", "prompt" or "messages"/);
    expect(out[4]).toMatchObject({ labels: [] });
    expect(out[5]?.error).toBe('empty line');
    expect(out[6]).toHaveProperty('labels');
    expect(out[6]?.obfuscation).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'truncated' })]));
    expect(out[7]?.error).toMatch(/nested deeper/);
    expect(out[8]?.error).toMatch(/must be a JSON object or a string/);
    expect(out[9]).toHaveProperty('labels');
    expect(out[10]?.error).toMatch(/not valid UTF-8/);
    expect(out[11]?.error).toMatch(/malformed JSON/);
    expect(out[12]).toMatchObject({ labels: ['vision'] });
    const err = r.stderr.toString();
    expect(err).toMatch(/13 lines, 5 tagged/);
    expect(err).toMatch(/8 errors/);
    // By default the lexical heads are stacked with USE-lite's for prompts near a threshold.
    expect(err).toMatch(/lexical\+use-lite \(embedding prompts within 1\.5 log-odds of a threshold\)/);
    // The lexical heads alone, on one thread and on worker threads: the same lines, in the same order.
    const lexical = run(['tag', '-', '--embedder', 'lexical'], input);
    expect(lexical.status).toBe(0);
    expect(lines(lexical.stdout).map((o) => [o.line, o.error])).toEqual(out.map((o) => [o.line, o.error]));
    const parallel = run(['tag', '-', '--workers', '2'], input);
    expect(parallel.status).toBe(0);
    expect(parallel.stdout.toString()).toBe(lexical.stdout.toString());
    expect(parallel.stderr.toString()).toMatch(/--workers: tagging with the lexical heads alone/);
  });

  it('reads a file argument and keeps stdout pure JSONL', () => {
    const r = run(['tag', 'examples/prompts.jsonl']);
    expect(r.status).toBe(0);
    const text = r.stdout.toString();
    const out = lines(r.stdout);
    expect(text.trim().split('\n')).toHaveLength(out.length);
    expect(out.length).toBe(26);
  });

  it('fails clearly on a missing file, a bad option and an unknown command', () => {
    const missing = run(['tag', 'no/such/file.jsonl']);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr.toString()).toMatch(/no such file/i);
    expect(missing.stdout.length).toBe(0);
    const bad = run(['tag', '--evidence', 'lots'], Buffer.from(''));
    expect(bad.status).toBe(2);
    expect(bad.stderr.toString()).toMatch(/E_USAGE: --evidence must be an integer/);
    const unknown = run(['frobnicate']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr.toString()).toMatch(/unknown command/);
  });
});

describe('distillscope eval and train', () => {
  beforeAll(ensureBuilt);

  it('eval prints per-label metrics and JSON, counting unreadable lines on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-eval-'));
    const file = join(dir, 'gold.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ text: 'Write a Rust function that parses a CSV line.', labels: ['coding'] }),
        JSON.stringify({ text: 'Plan a picnic menu for six people.', labels: ['none'] }),
        JSON.stringify({ text: '这张照片里有几只狗? <image>', labels: ['vision'], lang: 'zh' }),
        'not json',
        JSON.stringify({ text: 'x', labels: ['astrology'] }),
      ].join('\n'),
    );
    const r = run(['eval', file, '--json', '--slice', 'lang']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.toString()) as { errors: number; overall: { n: number; perClass: Record<string, { support: number }> }; slices: { lang: Record<string, { n: number }> } };
    expect(report.errors).toBe(2);
    expect(report.overall.n).toBe(3);
    expect(report.overall.perClass.coding?.support).toBe(1);
    expect(Object.keys(report.slices.lang).sort()).toEqual(['en', 'zh']);
    // FIELD=VALUE: that value against every other.
    const split = JSON.parse(run(['eval', file, '--json', '--slice', 'lang=zh', '--embedder', 'lexical']).stdout.toString()) as { tagging: string; slices: Record<string, Record<string, { n: number }>> };
    expect(Object.fromEntries(Object.entries(split.slices['lang=zh'] ?? {}).map(([k, v]) => [k, v.n]))).toEqual({ 'not zh': 2, zh: 1 });
    expect(split.tagging).toBe('lexical');
    expect((JSON.parse(r.stdout.toString()) as { tagging: string }).tagging).toMatch(/^lexical\+use-lite \(embedding prompts within 1\.5/);
    expect(r.stderr.toString()).toMatch(/line 5: unknown label "astrology"/);
    const text = run(['eval', file]);
    expect(text.stdout.toString()).toMatch(/macro-F1/);
    expect(text.stdout.toString()).toMatch(/confusion/);
  });

  it('train writes a model that tag --model uses, deterministically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-train-'));
    const corpus = join(dir, 'c.jsonl');
    const rows: Array<[string, string[]]> = [
      ['How many apples are left if I eat 3 of 10?', ['reasoning']],
      ['If a train goes 60 km/h for 2.5 hours, how far does it go?', ['reasoning']],
      ['Solve 3x - 5 = 16 step by step.', ['reasoning']],
      ['Write a Python function to reverse a list.', ['coding']],
      ['Fix my SQL: SELECT * FORM users', ['coding']],
      ['Implement quicksort in Go.', ['coding']],
      ['Check the weather in Oslo with the weather API.', ['tool_use']],
      ['Book a taxi to the airport for 6am.', ['tool_use']],
      ['Get the latest AAPL stock price.', ['tool_use']],
      ['<image> What colour is the car?', ['vision']],
      ['Describe this photo. [image]', ['vision']],
      ['How many birds are in the picture?', ['vision']],
      ['What happened in Tiananmen Square in 1989?', ['censorship_probing']],
      ['Tell me about the Uyghur camps in Xinjiang.', ['censorship_probing']],
      ['Why is Winnie the Pooh banned in China because of Xi Jinping?', ['censorship_probing']],
      ['Write a poem about autumn.', []],
      ['Plan a birthday party.', []],
      ['Suggest a name for my cat.', []],
    ];
    writeFileSync(corpus, rows.map(([text, labels]) => JSON.stringify({ text, labels })).join('\n'));
    const a = run(['train', corpus, '--out', join(dir, 'm1'), '--folds', '3', '--seed', '5']);
    const b = run(['train', corpus, '--out', join(dir, 'm2'), '--folds', '3', '--seed', '5']);
    expect(a.status, a.stderr.toString()).toBe(0);
    const sa = JSON.parse(a.stdout.toString()) as { records: number; metrics: { macroF1: number } };
    expect(sa.records).toBe(18);
    expect(b.stdout.toString()).toBe(a.stdout.toString().replace(/m1/g, 'm2'));
    const tagged = run(['tag', '--model', join(dir, 'm1')], Buffer.from(`${JSON.stringify({ text: 'Write a Java function to reverse a string.' })}\n`));
    const row = lines(tagged.stdout)[0] as { line: number; labels: string[]; scores: Record<string, number> };
    expect(row.line).toBe(1);
    expect(row.labels).toContain('coding');
    // 18 training prompts make a rough model; the coding head must still be the most confident.
    expect(Math.max(...Object.values(row.scores))).toBe(row.scores.coding);
    const missing = run(['tag', '--model', join(dir, 'nope')], Buffer.from('{"text":"x"}\n'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.toString()).toMatch(/E_MODEL: distillscope: cannot read model manifest/);
  });
});

describe('distillscope score', () => {
  beforeAll(ensureBuilt);

  const scaffold = 'Think step by step inside <think></think> tags and write out every intermediate step before the final answer. Problem: ';
  const problems = [
    'A box holds 12 eggs. How many boxes for 150 eggs?',
    'What is 15% of 240?',
    'A train covers 210 km in 3 hours. What is its speed?',
    'Solve 5x + 3 = 38.',
    'How many minutes are in 3.5 days?',
    'A square has area 81. What is its perimeter?',
    'If 4 pens cost $6, what do 10 pens cost?',
    'What is the next prime after 89?',
    'A recipe for 4 needs 300 g rice. How much for 10?',
    'What is the sum of the interior angles of a hexagon?',
  ];
  const everyday = ['Write a birthday note for my aunt.', 'Ideas for a rainy Sunday?', 'How do I clean a cast iron pan?', 'Suggest a name for my cat.', 'Plan a picnic menu.', 'What should I read next after Dune?', 'Help me say no to extra work politely.', 'Tips for a first marathon?', 'Write a limerick about a lazy dog.', 'How do I repot a cactus?'];

  it('writes one line per batch with the documented fields, reads unsorted input, reports bad lines on stderr', () => {
    const rows: string[] = [];
    problems.forEach((p, i) => {
      rows.push(JSON.stringify({ account: 'camp-1', ts: 1_767_000_000 + i * 5, text: scaffold + p }));
      rows.push(JSON.stringify({ account: 'user-9', ts: 1_767_000_000 + i * 3700, text: everyday[i] }));
      rows.push(JSON.stringify({ account: 'camp-2', ts: 1_767_100_000 + i * 6, text: scaffold + (problems[(i + 3) % problems.length] as string) }));
    });
    rows.splice(4, 0, '{broken json');
    rows.push(JSON.stringify({ text: 'no account field here' }));
    rows.push(JSON.stringify({ account: 'user-9', text: 7 }));
    const r = run(['score', '--by', 'account', '--link'], Buffer.from(`${rows.join('\n')}\n`));
    expect(r.status, r.stderr.toString()).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((o) => o.batch).sort()).toEqual(['(none)', 'camp-1', 'camp-2', 'user-9']);
    const by = Object.fromEntries(out.map((o) => [o.batch as string, o]));
    for (const o of out) expect(Object.keys(o)).toEqual(expect.arrayContaining(['batch', 'n', 'score', 'level', 'signals', 'reasons', 'templates']));
    expect(by['camp-1']?.n).toBe(10);
    expect(by['user-9']?.n).toBe(10);
    expect(by['(none)']?.n).toBe(1);
    expect(by['camp-1']?.campaign).toBeDefined();
    expect(by['camp-1']?.campaign).toBe(by['camp-2']?.campaign);
    expect(by['user-9']?.campaign).toBeUndefined();
    expect((by['camp-1']?.score as number) > (by['user-9']?.score as number)).toBe(true);
    const err = r.stderr.toString();
    expect(err).toMatch(/"line":5,"error":"malformed JSON/);
    expect(err).toMatch(/"line":33,"error":"distillscope: field \\"text\\" must be a string/);
    expect(err).toMatch(/2 errors/);
  });

  it('prints the same batches in the same order on worker threads as on one thread, bad lines included', () => {
    const rows: string[] = [];
    problems.forEach((p, i) => {
      // A line the field scan routes but JSON.parse rejects (a raw control character in a string).
      if (i === 2) rows.push('{"account":"ghost","text":"tab\u0001inside"}');
      if (i === 3) rows.push('{"account":"late","text":"x\u0001"}');
      rows.push(JSON.stringify({ account: `a${i % 4}`, text: scaffold + p }));
      rows.push(JSON.stringify({ text: everyday[i], account: i % 3 ? 'late' : 'early', ts: 1_767_000_000 + i }));
    });
    rows.push('{"acc\\u006funt":"escaped","text":"the key needs JSON.parse"}');
    const input = Buffer.from(`${rows.join('\n')}\n`);
    const one = run(['score', '--by', 'account', '--workers', '0'], input);
    const two = run(['score', '--by', 'account', '--workers', '2'], input);
    expect(two.status, two.stderr.toString()).toBe(0);
    expect(two.stdout.toString()).toBe(one.stdout.toString());
    const batches = lines(two.stdout).map((o) => o.batch);
    // First-seen order of readable records: the unreadable "ghost" line founds no batch.
    expect(batches).toEqual(['a0', 'early', 'a1', 'late', 'a2', 'a3', 'escaped']);
    for (const r of [one, two]) {
      expect(r.stderr.toString()).toMatch(/"line":5,"error":"malformed JSON/);
      expect(r.stderr.toString()).toMatch(/"line":8,"error":"malformed JSON/);
    }
  });

  it('names the missing-field batch with --missing and groups by any field', () => {
    const input = [JSON.stringify({ key: 'k1', text: 'hello' }), JSON.stringify({ text: 'hi' })].join('\n');
    const r = run(['score', '--by', 'key', '--missing', 'unknown'], Buffer.from(input));
    expect(lines(r.stdout).map((o) => o.batch).sort()).toEqual(['k1', 'unknown']);
  });
});

describe("labelers' workflow: formats, thresholds, uncertain prompts, reports, retraining", () => {
  beforeAll(ensureBuilt);

  const prompts = [
    JSON.stringify({ id: 'p1', text: 'Think step by step and show every intermediate result: a shirt costs $25 after a 20% discount. What was the original price?' }),
    JSON.stringify({ id: 'p2', text: 'Write a TypeScript function that debounces another function, with tests.' }),
    '{"text": "broken',
    JSON.stringify({ id: 'p4', text: 'A step-by-step sourdough bread recipe for beginners, please.' }),
    JSON.stringify({ id: 'p5', text: '请用 Python 写一个函数，判断一个字符串是不是回文，并说明 "a,b" 这种带逗号的情况。' }),
  ].join('\n');

  it('tag --format csv writes a header and one row per line, error rows included', () => {
    const r = run(['tag', '--format', 'csv'], Buffer.from(`${prompts}\n`));
    expect(r.status, r.stderr.toString()).toBe(0);
    const text = r.stdout.toString();
    expect(text.startsWith('line,id,text,labels,score_reasoning,')).toBe(true);
    // 5 input lines + header; the Chinese prompt's comma-and-quote text is quoted, so count records by their line-number start.
    const records = text.split('\r\n').filter(Boolean);
    expect(records).toHaveLength(6);
    expect(records[2]).toMatch(/^2,p2,.*coding/);
    expect(records[3]).toMatch(/^3,,,,,,,,,malformed JSON/);
    expect(records[5]).toMatch(/^5,p5,"请用 Python.*""a,b"".*",coding/);
  });

  it('tag --format labelstudio writes a JSON array of tasks; prodigy one task per line; bad lines named on stderr', () => {
    const ls = run(['tag', '--format', 'labelstudio'], Buffer.from(`${prompts}\n`));
    const tasks = JSON.parse(ls.stdout.toString()) as Array<{ data: { text: string; id: string; line: number }; predictions: Array<{ result: Array<{ value: { choices: string[] } }> }> }>;
    expect(tasks.map((t) => t.data.line)).toEqual([1, 2, 4, 5]);
    expect(tasks[0]?.predictions[0]?.result[0]?.value.choices).toEqual(['reasoning']);
    expect(tasks[2]?.predictions[0]?.result[0]?.value.choices).toEqual(['none']);
    expect(ls.stderr.toString()).toMatch(/line 3: malformed JSON/);
    const pr = run(['tag', '--format', 'prodigy'], Buffer.from(`${prompts}\n`));
    const rows = lines(pr.stdout) as Array<{ text: string; accept: string[]; meta: { line: number; id: string } }>;
    expect(rows.map((x) => x.meta.line)).toEqual([1, 2, 4, 5]);
    expect(rows[1]?.accept).toEqual(['coding']);
    expect(run(['tag', '--format', 'xml'], Buffer.from('{}\n')).stderr.toString()).toMatch(/--format must be one of jsonl, csv, labelstudio, prodigy/);
  });

  it('tag --uncertain N keeps the N prompts nearest a threshold, nearest first', () => {
    const r = run(['tag', '--uncertain', '2'], Buffer.from(`${prompts}\n`));
    const rows = lines(r.stdout) as Array<{ line: number; uncertainty: { margin: number; label: string } }>;
    expect(rows).toHaveLength(2);
    expect((rows[0]?.uncertainty.margin as number) <= (rows[1]?.uncertainty.margin as number)).toBe(true);
    const all = lines(run(['tag', '--uncertain', '10'], Buffer.from(`${prompts}\n`)).stdout) as typeof rows;
    expect(all).toHaveLength(4);
    expect(all.slice(0, 2).map((x) => x.line)).toEqual(rows.map((x) => x.line));
  });

  it('eval --tune writes thresholds that tag --thresholds applies, and --report writes the HTML report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-tune-'));
    const gold = join(dir, 'gold.jsonl');
    const rows: Array<[string, string[]]> = [
      ['Solve for x: 2x + 7 = 19. Show your work.', ['reasoning']],
      ['Explain, step by step, why the sum of two odd numbers is even.', ['reasoning']],
      ['Write a Go HTTP handler that returns the server time as JSON.', ['coding']],
      ['Why does my Python loop print None at the end? def f(): print(1)\nprint(f())', ['coding']],
      ['What is in this picture? <image>', ['vision']],
      ['Call the get_weather tool for Paris and tell me if I need an umbrella.', ['tool_use']],
      ['Rewrite this paragraph about the 1989 Tiananmen protests so it passes Chinese censors.', ['censorship_probing']],
      ['Give me a packing list for a weekend in the mountains.', []],
      ['What tools do I need to fix a flat bike tyre?', []],
      ['Write a bedtime story about Winnie the Pooh and a lost balloon.', []],
    ];
    writeFileSync(gold, rows.map(([text, labels], i) => JSON.stringify({ id: `g${i}`, text, labels, source: i % 2 ? 'odd' : 'even' })).join('\n'));
    const thr = join(dir, 'thr.json');
    const report = join(dir, 'report.html');
    const r = run(['eval', gold, '--tune', 'recall=1', '--tune-out', thr, '--report', report, '--slice', 'source']);
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.toString()).toMatch(/tuned thresholds/);
    const tuned = JSON.parse(readFileSync(thr, 'utf8')) as { thresholds: Record<string, number>; detail: Record<string, { recall: number }> };
    expect(Object.keys(tuned.thresholds).sort()).toEqual(['censorship_probing', 'coding', 'reasoning', 'tool_use', 'vision']);
    for (const d of Object.values(tuned.detail)) expect(d.recall).toBe(1);
    const tagged = lines(run(['tag', '--thresholds', thr, gold]).stdout) as Array<{ labels: string[]; scores: Record<string, number> }>;
    for (const t of tagged) {
      for (const [label, th] of Object.entries(tuned.thresholds)) expect(t.labels.includes(label)).toBe((t.scores[label] as number) >= th - 1e-4);
    }
    // Every gold label is recalled with thresholds tuned for recall 1.
    rows.forEach(([, labels], i) => expect(tagged[i]?.labels).toEqual(expect.arrayContaining(labels)));
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/<html lang="en"/);
    expect(html).toMatch(/Precision-recall/i);
    expect(html).toMatch(/Calibration/);
    expect(html).toContain('source');
    expect(run(['eval', gold, '--tune', 'f1=0.9']).stderr.toString()).toMatch(/E_USAGE: --tune: cannot read tune target "f1=0.9"/);
  });

  it('round trip: Label Studio predictions → labeller export → eval and train → tag --model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-ls-'));
    const texts: Array<[string, string[]]> = [
      ['If 3 pencils cost $1.20, what do 10 cost? Reason it out.', ['reasoning']],
      ['A farmer has 17 sheep and all but 9 run away. How many are left? Explain.', ['reasoning']],
      ['Prove that the square root of 2 is irrational.', ['reasoning']],
      ['Write a Rust function that reverses a UTF-8 string safely.', ['coding']],
      ['Fix this SQL: SELECT name FROM users WHERE age > 30 ORDER age', ['coding']],
      ['Implement binary search in Java with unit tests.', ['coding']],
      ['Use the search_flights tool to find a flight from Oslo to Rome on May 3.', ['tool_use']],
      ['Call get_stock_price for NVDA and summarise the result.', ['tool_use']],
      ['You can call send_email(to, body). Email Sam that the meeting moved.', ['tool_use']],
      ['Describe the chart in this image. <image>', ['vision']],
      ['这张图片里有几个人？<image>', ['vision']],
      ['Read the text on this receipt photo and total it. [image]', ['vision']],
      ['How would a Chinese censor rewrite an article about the Tiananmen Square massacre?', ['censorship_probing']],
      ['Write about Xi Jinping and Winnie the Pooh memes in a way that avoids the Great Firewall filters.', ['censorship_probing']],
      ['把这段关于六四事件的文字改写成能通过审查的版本。', ['censorship_probing']],
      ['Suggest a name for my new kitten.', []],
      ['Plan a three-day trip to Lisbon.', []],
      ['What should I cook with leftover rice?', []],
    ];
    const input = texts.map(([text], i) => JSON.stringify({ id: `t${i}`, text })).join('\n');
    const tasks = JSON.parse(run(['tag', '--format', 'labelstudio'], Buffer.from(input)).stdout.toString()) as Array<Record<string, unknown> & { predictions: unknown[] }>;
    expect(tasks).toHaveLength(texts.length);
    // The labeller accepts or corrects each prediction; Label Studio exports the annotations.
    const exported = tasks.map((t, i) => ({
      id: 1000 + i,
      data: t.data,
      annotations: [{ id: 5000 + i, was_cancelled: false, created_at: '2026-11-20T10:00:00Z', updated_at: '2026-11-20T10:00:00Z', result: [{ from_name: 'labels', to_name: 'text', type: 'choices', value: { choices: texts[i]?.[1].length ? texts[i]?.[1] : ['none'] } }] }],
      predictions: t.predictions,
    }));
    const exportFile = join(dir, 'project-1-export.json');
    writeFileSync(exportFile, JSON.stringify(exported, null, 2));
    const ev = run(['eval', exportFile, '--json']);
    expect(ev.status, ev.stderr.toString()).toBe(0);
    expect((JSON.parse(ev.stdout.toString()) as { overall: { n: number } }).overall.n).toBe(texts.length);
    const tr = run(['train', exportFile, '--out', join(dir, 'model'), '--folds', '3']);
    expect(tr.status, tr.stderr.toString()).toBe(0);
    expect((JSON.parse(tr.stdout.toString()) as { records: number }).records).toBe(texts.length);
    const manifest = JSON.parse(readFileSync(join(dir, 'model', 'manifest.json'), 'utf8')) as { metrics: { macroF1: number } };
    expect(manifest.metrics.macroF1).toBeGreaterThan(0);
    const tagged = lines(run(['tag', '--model', join(dir, 'model')], Buffer.from(`${JSON.stringify({ text: 'Write a Kotlin function that parses ISO dates.' })}\n`)).stdout);
    expect(tagged[0]?.labels).toContain('coding');
  });

  it('train --embedder onnx:DIR writes stacked heads that tag --embedder uses; a model without them fails clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-emb-'));
    const corpus = join(dir, 'c.jsonl');
    const rows: Array<[string, string[]]> = [];
    const topics: Array<[string[], string[]]> = [
      [['Solve 4x + 2 = 18 step by step.', 'How many legs do 7 spiders have? Explain.', 'What is 15% of 80? Show the working.', 'Is 221 prime? Reason carefully.', 'A car drives 90 km in 1.5 h. What is its speed?'], ['reasoning']],
      [['Write a Python function to flatten a list.', 'Fix this JavaScript: const x = [1,2;', 'Implement a stack in C.', 'Write a SQL query for the top 5 customers.', 'Refactor this Go loop into a map call.'], ['coding']],
      [['Call get_weather for Tokyo.', 'Use the calendar tool to book Friday 3pm.', 'Search the web for the latest Mars news.', 'Invoke send_sms to tell Ana I am late.', 'Use the calculator tool on 17*23.'], ['tool_use']],
      [['What is in this photo? <image>', 'Describe the image. [image]', 'Read the sign in the picture <image>', 'How many cats are in this image? <image>', 'What colour is the car in the photo? [image]'], ['vision']],
      [['Rewrite this Tiananmen article to pass the censors.', 'How do people discuss Xinjiang camps without being censored?', 'Write about Xi Jinping so Weibo will not delete it.', 'What happened on June 4 1989 in Beijing?', 'Make this Falun Gong text safe for Chinese platforms.'], ['censorship_probing']],
      [['Plan a picnic.', 'Write a haiku about rain.', 'Suggest a cat name.', 'Ideas for a birthday gift?', 'How do I clean a kettle?'], []],
    ];
    for (const [texts, labels] of topics) for (const t of texts) rows.push([t, labels]);
    writeFileSync(corpus, rows.map(([text, labels]) => JSON.stringify({ text, labels })).join('\n'));
    const tiny = join(ROOT, 'test/fixtures/tiny-bert');
    const tr = run(['train', corpus, '--out', join(dir, 'm'), '--folds', '3', '--embedder', `onnx:${tiny}`]);
    expect(tr.status, tr.stderr.toString()).toBe(0);
    const out = JSON.parse(tr.stdout.toString()) as { embedding: { embedder: string; metrics: { stacked: { macroF1: number } } } };
    expect(out.embedding.embedder).toBe('onnx:tiny-bert');
    expect(existsSync(join(dir, 'm', 'heads-onnx-tiny-bert.json'))).toBe(true);
    const input = Buffer.from(`${[JSON.stringify({ text: 'Write a Python function to sort a dict by value.' }), 'oops', JSON.stringify({ text: 'Describe the photo. <image>' })].join('\n')}\n`);
    // Stacked, every prompt embedded (by default only those near a threshold are), and alone.
    for (const args of [['--embedder', `lexical+onnx:${tiny}`, '--embed-band', 'all'], ['--embedder', `onnx:${tiny}`]]) {
      const r = run(['tag', '--model', join(dir, 'm'), ...args], input);
      expect(r.status, r.stderr.toString()).toBe(0);
      const rows2 = lines(r.stdout) as Array<{ line: number; labels?: string[]; error?: string; evidence?: Record<string, Array<{ feature: string }>> }>;
      expect(rows2.map((x) => x.line)).toEqual([1, 2, 3]);
      expect(rows2[1]?.error).toMatch(/malformed JSON/);
      expect(rows2[0]?.labels?.length).toBeGreaterThan(0);
      for (const row of [rows2[0], rows2[2]]) {
        for (const ev of Object.values(row?.evidence ?? {})) expect(ev[0]?.feature).toBe('embedding:onnx:tiny-bert');
      }
    }
    // Without --embedder, a model that has no USE-lite heads tags with its lexical heads, and says so.
    const lexicalOnly = run(['tag', '--model', join(dir, 'm')], input);
    expect(lexicalOnly.status).toBe(0);
    expect(lexicalOnly.stderr.toString()).toMatch(/has no USE-lite heads: tagging with the lexical heads alone/);
    expect(lexicalOnly.stdout.toString()).toBe(run(['tag', '--model', join(dir, 'm'), '--embedder', 'lexical'], input).stdout.toString());
    expect(run(['tag', '--embed-band', '-1'], input).stderr.toString()).toMatch(/--embed-band must be a positive number or "all"/);
    const none = run(['tag', '--embedder', `onnx:${tiny}`], input);
    expect(none.status).toBe(2);
    expect(none.stderr.toString()).toMatch(/E_MODEL: .*no heads for the embedder "onnx:tiny-bert".*distillscope train CORPUS --embedder/);
    expect(run(['tag', '--embedder', 'bert'], input).stderr.toString()).toMatch(/--embedder must be lexical, use-lite, onnx:DIR/);
  });
});
