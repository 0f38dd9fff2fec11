// The plain baseline for batch scoring, timed in the same bench run: PlainBaseline (src/eval/traffic.ts,
// the one eval-score reports) over one pass of JSONL, one line per account out.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PlainBaseline } from '../dist/eval/traffic.js';
import { toPromptRecord } from '../dist/io/record.js';

const baseline = new PlainBaseline();
for await (const line of createInterface({ input: createReadStream(process.argv[2]) })) {
  let r;
  try {
    r = JSON.parse(line);
    baseline.add(String(r.account), toPromptRecord(r).text);
  } catch {
    continue;
  }
}
const out = [];
for (const [batch, score] of baseline.scores()) out.push(JSON.stringify({ batch, score }));
process.stdout.write(`${out.join('\n')}\n`);
