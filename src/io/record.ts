/**
 * Input records: plain text, `prompt`, or chat `messages` (OpenAI- and Anthropic-style parts) with
 * optional `tools`. Everything downstream works on the flat {@link PromptRecord} built here.
 */

/** A prompt reduced to what tagging and scoring look at. */
export interface PromptRecord {
  id?: string;
  /** All text of the record, messages joined in order with their role. */
  text: string;
  /** Text sent by the user (or the whole text when there are no roles); used for templates. */
  userText: string;
  /** System prompt text, if any. */
  systemText: string;
  /** Image parts and image references in parts. */
  images: number;
  /** Tool definitions in `tools` / `functions`. */
  tools: number;
  /** Names of the tool definitions. */
  toolNames: string[];
  /** Tool calls and tool results in the transcript. */
  toolCalls: number;
  /** Number of messages (1 for plain text). */
  turns: number;
}

/** A record that cannot be read; `message` says what was received and what is allowed. */
export class RecordError extends Error {
  readonly code = 'E_BAD_RECORD';
  constructor(message: string) {
    super(`distillscope: ${message}`);
    this.name = 'RecordError';
  }
}

const MAX_PARTS = 10_000;
const MAX_DEPTH = 8;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON object (not null, not an array). @internal */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Read one input record. Accepts a string, `{ text }`, `{ prompt }` or `{ messages, tools? }`.
 * Throws {@link RecordError} when none of those holds text.
 *
 * Example:
 *   toPromptRecord({ messages: [{ role: 'user', content: [
 *     { type: 'text', text: 'What breed is this dog?' },
 *     { type: 'image_url', image_url: { url: 'https://example.com/dog.jpg' } } ] }] })
 *   // → { text: 'What breed is this dog?', images: 1, tools: 0, toolCalls: 0, turns: 1, … }
 */
export function toPromptRecord(value: unknown): PromptRecord {
  if (typeof value === 'string') return plain(value);
  if (!isObject(value)) {
    throw new RecordError(`a record must be a JSON object or a string, received ${describe(value)}`);
  }
  const id = readId(value['id']);
  let rec: PromptRecord;
  if (value['messages'] !== undefined) {
    rec = fromMessages(value['messages']);
  } else if (value['text'] !== undefined || value['prompt'] !== undefined) {
    const field = value['text'] !== undefined ? 'text' : 'prompt';
    const t = value[field];
    if (typeof t !== 'string') {
      throw new RecordError(`field "${field}" must be a string, received ${describe(t)}`);
    }
    rec = plain(t);
  } else {
    throw new RecordError('record has no "text", "prompt" or "messages" field');
  }
  const tools = value['tools'] ?? value['functions'];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw new RecordError(`field "tools" must be an array, received ${describe(tools)}`);
    rec.tools = tools.length;
    rec.toolNames = tools.slice(0, MAX_PARTS).map(toolName).filter((n): n is string => n !== undefined);
    const described = tools.slice(0, 64).map(toolDescription).filter((d) => d.length > 0);
    if (described.length) rec.text = `${rec.text}\n${described.join('\n')}`;
  }
  if (id !== undefined) rec.id = id;
  return rec;
}

function readId(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new RecordError(`field "id" must be a string or number, received ${describe(v)}`);
}

function plain(text: string): PromptRecord {
  return { text, userText: text, systemText: '', images: 0, tools: 0, toolNames: [], toolCalls: 0, turns: 1 };
}

function toolName(t: unknown): string | undefined {
  if (!isObject(t)) return undefined;
  const fn = isObject(t['function']) ? t['function'] : t;
  return typeof fn['name'] === 'string' ? fn['name'] : undefined;
}

function toolDescription(t: unknown): string {
  if (!isObject(t)) return '';
  const fn = isObject(t['function']) ? t['function'] : t;
  const name = typeof fn['name'] === 'string' ? fn['name'] : '';
  const desc = typeof fn['description'] === 'string' ? fn['description'] : '';
  return `${name} ${desc}`.trim();
}

function fromMessages(messages: unknown): PromptRecord {
  if (!Array.isArray(messages)) {
    throw new RecordError(`field "messages" must be an array, received ${describe(messages)}`);
  }
  if (messages.length === 0) throw new RecordError('field "messages" is an empty array');
  const rec = plain('');
  const all: string[] = [];
  const user: string[] = [];
  const system: string[] = [];
  rec.turns = messages.length;
  messages.slice(0, MAX_PARTS).forEach((m, i) => {
    if (!isObject(m)) throw new RecordError(`messages[${i}] must be an object, received ${describe(m)}`);
    const role = typeof m['role'] === 'string' ? m['role'] : 'user';
    if (role === 'tool' || role === 'function' || m['tool_calls'] !== undefined || m['function_call'] !== undefined) {
      rec.toolCalls += Array.isArray(m['tool_calls']) ? m['tool_calls'].length : 1;
    }
    const parts: string[] = [];
    collectContent(m['content'], parts, rec, 0, `messages[${i}].content`);
    const text = parts.join('\n');
    all.push(text);
    if (role === 'system' || role === 'developer') system.push(text);
    else if (role === 'user') user.push(text);
  });
  rec.text = all.join('\n');
  rec.userText = user.join('\n');
  rec.systemText = system.join('\n');
  return rec;
}

function collectContent(content: unknown, out: string[], rec: PromptRecord, depth: number, where: string): void {
  if (content === undefined || content === null) return;
  if (typeof content === 'string') {
    out.push(content);
    return;
  }
  if (depth > MAX_DEPTH) throw new RecordError(`${where} is nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(content)) {
    content.slice(0, MAX_PARTS).forEach((p, j) => collectContent(p, out, rec, depth + 1, `${where}[${j}]`));
    return;
  }
  if (!isObject(content)) {
    throw new RecordError(`${where} must be a string or a list of parts, received ${describe(content)}`);
  }
  const type = typeof content['type'] === 'string' ? content['type'] : '';
  switch (type) {
    case 'image_url':
    case 'image':
    case 'input_image':
      rec.images++;
      return;
    case 'tool_use':
    case 'function_call':
    case 'tool_call':
      rec.toolCalls++;
      out.push(`${typeof content['name'] === 'string' ? content['name'] : ''} ${safeStringify(content['input'] ?? content['arguments'])}`);
      return;
    case 'tool_result':
    case 'function_call_output':
      rec.toolCalls++;
      collectContent(content['content'] ?? content['output'], out, rec, depth + 1, `${where}.content`);
      return;
    default:
      if (typeof content['text'] === 'string') out.push(content['text']);
      else if (typeof content['content'] === 'string') out.push(content['content']);
  }
}

function safeStringify(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v as Json) ?? '';
  } catch {
    return '';
  }
}
