import { describe, expect, it } from 'vitest';
import { RecordError, toPromptRecord } from '../src/io/record.js';

describe('toPromptRecord', () => {
  it('reads text, prompt and plain strings', () => {
    expect(toPromptRecord({ text: 'Why is the sky blue?' }).text).toBe('Why is the sky blue?');
    expect(toPromptRecord({ prompt: 'Summarise this memo', id: 7 })).toMatchObject({ text: 'Summarise this memo', id: '7' });
    expect(toPromptRecord('hello').turns).toBe(1);
  });

  it('reads OpenAI chat messages with image_url parts and a system prompt', () => {
    const r = toPromptRecord({
      id: 'req-1',
      messages: [
        { role: 'system', content: 'You are a helpful vision assistant.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What brand is the laptop on the desk?' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg' } },
          ],
        },
      ],
    });
    expect(r).toMatchObject({ id: 'req-1', images: 1, turns: 2, systemText: 'You are a helpful vision assistant.' });
    expect(r.userText).toBe('What brand is the laptop on the desk?');
  });

  it('reads Anthropic image, tool_use and tool_result parts', () => {
    const r = toPromptRecord({
      messages: [
        { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo' } }, { type: 'text', text: 'Click the login button.' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'computer', input: { action: 'left_click', coordinate: [640, 400] } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'clicked' }] }] },
      ],
    });
    expect(r.images).toBe(1);
    expect(r.toolCalls).toBe(2);
    expect(r.text).toContain('computer');
    expect(r.text).toContain('left_click');
  });

  it('reads a top-level tools list (OpenAI and Anthropic shapes)', () => {
    const r = toPromptRecord({
      messages: [{ role: 'user', content: 'Book a table for two at 8pm.' }],
      tools: [
        { type: 'function', function: { name: 'book_table', description: 'Reserve a restaurant table', parameters: { type: 'object', properties: {} } } },
        { name: 'get_weather', description: 'Current weather', input_schema: { type: 'object' } },
      ],
    });
    expect(r.tools).toBe(2);
    expect(r.toolNames).toEqual(['book_table', 'get_weather']);
    expect(r.text).toContain('Reserve a restaurant table');
  });

  it('counts tool role messages and assistant tool_calls', () => {
    const r = toPromptRecord({
      messages: [
        { role: 'user', content: 'weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '{"temp": 3}' },
      ],
    });
    expect(r.toolCalls).toBe(2);
  });

  it('throws RecordError naming the field for bad records', () => {
    expect(() => toPromptRecord({ text: 42 })).toThrow(/field "text" must be a string, received a number/);
    expect(() => toPromptRecord({ foo: 'bar' })).toThrow(/no "text", "prompt" or "messages"/);
    expect(() => toPromptRecord(null)).toThrow(RecordError);
    expect(() => toPromptRecord([1, 2])).toThrow(/received an array/);
    expect(() => toPromptRecord({ messages: 'hi' })).toThrow(/"messages" must be an array/);
    expect(() => toPromptRecord({ messages: [] })).toThrow(/empty array/);
    expect(() => toPromptRecord({ messages: [42] })).toThrow(/messages\[0\] must be an object/);
    expect(() => toPromptRecord({ text: 'x', tools: {} })).toThrow(/"tools" must be an array/);
    expect(() => toPromptRecord({ text: 'x', id: { a: 1 } })).toThrow(/"id" must be a string or number/);
  });

  it('refuses content nested deeper than it reads, without overflowing the stack', () => {
    let content: unknown = 'deep';
    for (let i = 0; i < 100_000; i++) content = [content];
    expect(() => toPromptRecord({ messages: [{ role: 'user', content }] })).toThrow(/nested deeper/);
  });

  it('accepts empty text', () => {
    expect(toPromptRecord({ text: '' }).text).toBe('');
  });
});
