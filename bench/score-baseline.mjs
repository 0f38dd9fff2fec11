// The plain baseline for batch scoring, timed in the same bench run: per account, the exact-duplicate
// rate plus the share of prompts opening with the most common first five words. One pass, JSONL in,
// one line per account out.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const accounts = new Map();
for await (const line of createInterface({ input: createReadStream(process.argv[2]) })) {
  let r;
  try {
    r = JSON.parse(line);
  } catch {
    continue;
  }
  const text = (r.text ?? (Array.isArray(r.messages) ? r.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n') : '')).trim().toLowerCase();
  let a = accounts.get(r.account);
  if (!a) accounts.set(r.account, (a = { n: 0, texts: new Set(), openings: new Map() }));
  a.n++;
  a.texts.add(text);
  const opening = text.split(/\s+/).slice(0, 5).join(' ');
  a.openings.set(opening, (a.openings.get(opening) ?? 0) + 1);
}
const out = [];
for (const [batch, a] of accounts) {
  const exact = 1 - a.texts.size / a.n;
  const opening = Math.max(...a.openings.values()) / a.n;
  out.push(JSON.stringify({ batch, n: a.n, score: (exact + opening) / 2 }));
}
process.stdout.write(`${out.join('\n')}\n`);
