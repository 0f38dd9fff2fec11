import { existsSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { openInput } from '../io/jsonl.js';
import { loadCombiner, type CombinerModel } from '../batch/combiner.js';
import { createTagger, type Tagger, type TaggerOptions } from '../tagger/index.js';
import { isLabel, type Label } from '../tagger/labels.js';
import { CliError } from './errors.js';

/** Parse a non-negative integer option. @internal */
export function intOption(name: string, value: string, min = 0): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CliError('E_USAGE', `--${name} must be an integer >= ${min}, received "${value}"`);
  return n;
}

type TaggerCliOptions = { model?: string; evidence?: string; thresholds?: string };

/** Build the tagger the CLI options ask for. @internal */
export function taggerFromOptions(opts: TaggerCliOptions): Tagger {
  const options = taggerOptionsFrom(opts);
  try {
    return createTagger(options);
  } catch (err) {
    throw new CliError('E_MODEL', (err as Error).message);
  }
}

/** Validate the CLI's tagger options into library options (plain data, so worker threads can get them too). @internal */
export function taggerOptionsFrom(opts: TaggerCliOptions): TaggerOptions {
  let thresholds: Partial<Record<Label, number>> | undefined;
  if (opts.thresholds) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.thresholds, 'utf8'));
    } catch (err) {
      throw new CliError('E_INPUT', `cannot read thresholds file "${opts.thresholds}": ${(err as Error).message}`);
    }
    const obj = (raw as { thresholds?: unknown }).thresholds ?? raw;
    if (typeof obj !== 'object' || obj === null) throw new CliError('E_INPUT', `thresholds file "${opts.thresholds}" must hold an object {label: number}`);
    thresholds = {};
    for (const [k, v] of Object.entries(obj)) {
      if (!isLabel(k) || typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new CliError('E_INPUT', `thresholds file "${opts.thresholds}": "${k}" must be a label with a number in [0, 1]`);
      }
      thresholds[k] = v;
    }
  }
  return {
    ...(opts.model ? { model: opts.model } : {}),
    evidence: intOption('evidence', opts.evidence ?? '5'),
    ...(thresholds ? { thresholds } : {}),
  };
}

/** Open the input a command names (a file, or stdin for "-" / none), failing clearly when it is missing. @internal */
export function inputFrom(file: string | undefined): Readable {
  if (file && file !== '-' && !existsSync(file)) throw new CliError('E_INPUT', `no such file: "${file}"`);
  return openInput(file);
}

/** Load the combiner an option names (default: shipped), as a CLI error when it cannot be read. @internal */
export function combinerFromOptions(path?: string): CombinerModel {
  try {
    return loadCombiner(path);
  } catch (err) {
    throw new CliError('E_MODEL', (err as Error).message);
  }
}
