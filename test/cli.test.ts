import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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
    // On worker threads: the same lines, in the same order.
    const parallel = run(['tag', '-', '--workers', '2'], input);
    expect(parallel.status).toBe(0);
    expect(parallel.stdout.toString()).toBe(r.stdout.toString());
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

  it('names the missing-field batch with --missing and groups by any field', () => {
    const input = [JSON.stringify({ key: 'k1', text: 'hello' }), JSON.stringify({ text: 'hi' })].join('\n');
    const r = run(['score', '--by', 'key', '--missing', 'unknown'], Buffer.from(input));
    expect(lines(r.stdout).map((o) => o.batch).sort()).toEqual(['k1', 'unknown']);
  });
});
