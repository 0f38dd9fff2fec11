// Worker thread for `tag`: tags chunks of lines and returns their output lines, in order.
import { parentPort, workerData } from 'node:worker_threads';
import { createTagger, type TaggerOptions } from '../tagger/index.js';
import { tagLine } from './tag-line.js';

const tagger = createTagger(workerData as TaggerOptions);

parentPort?.on('message', (msg: { id: number; lines: Array<[number, string]> }) => {
  const out = msg.lines.map(([line, text]) => tagLine(tagger, line, text));
  parentPort?.postMessage({ id: msg.id, out });
});
