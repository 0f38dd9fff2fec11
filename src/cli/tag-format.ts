import { csvHeader, csvRow } from '../formats/csv.js';
import type { FailedPrompt, TaggedPrompt } from '../formats/common.js';
import { createLabelStudioWriter } from '../formats/labelstudio.js';
import { prodigyTask } from '../formats/prodigy.js';
import { log } from './output.js';

/** Output formats of `tag`. */
export const TAG_FORMATS = Object.freeze(['jsonl', 'csv', 'labelstudio', 'prodigy'] as const);
export type TagFormat = (typeof TAG_FORMATS)[number];

/**
 * Turns tag rows into one output format, as raw text with its own line ends. Formats that have no
 * place for a failed line (Label Studio tasks, Prodigy tasks) report it on stderr, naming the line.
 * @internal
 */
export interface RowFormatter {
  start(): string;
  tagged(p: TaggedPrompt & { extra?: Record<string, unknown> }): string;
  failed(f: FailedPrompt): string;
  end(): string;
}

/** The formatter for `--format`. @internal */
export function rowFormatter(format: TagFormat): RowFormatter {
  const reportFailed = (f: FailedPrompt): string => {
    log(`tag: line ${f.line}: ${f.error}`);
    return '';
  };
  switch (format) {
    case 'jsonl':
      return {
        start: () => '',
        tagged: (p) => `${JSON.stringify({ line: p.line, ...p.result, ...p.extra })}\n`,
        failed: (f) => `${JSON.stringify({ line: f.line, ...(f.id !== undefined ? { id: f.id } : {}), error: f.error })}\n`,
        end: () => '',
      };
    case 'csv':
      return { start: () => csvHeader(), tagged: (p) => csvRow(p), failed: (f) => csvRow(f), end: () => '' };
    case 'labelstudio': {
      const w = createLabelStudioWriter();
      return { start: () => '', tagged: (p) => w.task(p), failed: reportFailed, end: () => w.end() };
    }
    case 'prodigy':
      return { start: () => '', tagged: (p) => `${JSON.stringify(prodigyTask(p, { hashes: true }))}\n`, failed: reportFailed, end: () => '' };
  }
}
