#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';

// A reader that stops early (`| head`) closes the pipe: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// Shared by tag and eval, which tag the same way.
const EMBEDDER_HELP =
  'lexical, use-lite, onnx:DIR, lexical+use-lite or lexical+onnx:DIR (stacked heads); default lexical+use-lite when the model has USE-lite heads (the shipped one does), else lexical';
const EMBED_BAND_HELP = 'with lexical+…: embed only prompts whose lexical score is within this many log-odds of a threshold (default 1.5), or "all"';

// Subcommands load lazily, so `--help` and `tag` do not pay for what they do not use.
const program = new Command('distillscope')
  .description('Spot model-distillation traffic in LLM prompt logs (JSONL in, JSONL out; "-" or no file = stdin).')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

program
  .command('tag')
  .description('tag each prompt with the capabilities it targets; one JSON line out per line in')
  .argument('[file]', 'JSONL input ({text} | {prompt} | {messages, tools}); "-" or none = stdin')
  .option('--model <dir>', 'model folder (default: the shipped model)')
  .option('--evidence <n>', 'evidence items per label (0 = none)', '5')
  .option('--thresholds <file>', 'JSON file {label: threshold} overriding the model thresholds')
  .option('--workers <n>', 'worker threads (0 = tag in the main thread); output order is kept; tags with the lexical heads', '0')
  .option('--uncertain <n>', 'write only the N prompts nearest a threshold, nearest first (for relabelling)')
  .option('--format <format>', 'jsonl (default), csv, labelstudio (a JSON array of tasks with predictions) or prodigy (JSONL tasks)', 'jsonl')
  .option('--embedder <name>', EMBEDDER_HELP)
  .option('--embed-band <logodds>', EMBED_BAND_HELP)
  .action(async (file: string | undefined, opts) => (await import('./commands/tag.js')).runTag(file, opts));

program
  .command('eval')
  .description('evaluate on labelled JSONL: per-label precision/recall/F1, macro-F1, confusion')
  .argument('<file>', 'labelled prompts: JSONL with "labels" ([] or ["none"] = ordinary), a Label Studio export or Prodigy JSONL')
  .option('--model <dir>', 'model folder (default: the shipped model)')
  .option('--json', 'print the report as JSON')
  .option('--slice <field>', 'also report per value of a field ("lang" is guessed when absent), or FIELD=VALUE for that value against all others; repeatable', collect, [])
  .option('--thresholds <file>', 'JSON file {label: threshold} overriding the model thresholds')
  .option('--tune <targets>', 'tune per-label thresholds to a target: precision=0.95, recall=0.9, tool_use:recall=0.8 (comma-separated)')
  .option('--tune-out <file>', 'where --tune writes the thresholds (read by tag --thresholds)', 'thresholds.json')
  .option('--report <file>', 'also write a self-contained HTML report (curves, calibration, slices, worst errors)')
  .option('--format <format>', 'gold format: auto (default), jsonl, labelstudio (JSON / JSON-MIN / JSONL export), prodigy', 'auto')
  .option('--embedder <name>', EMBEDDER_HELP)
  .option('--embed-band <logodds>', EMBED_BAND_HELP)
  .action(async (file: string, opts) => (await import('./commands/eval.js')).runEval(file, opts));

program
  .command('train')
  .description('train the tagger heads from labelled JSONL files or folders; deterministic per seed')
  .argument('<corpus...>', 'labelled JSONL files or folders of them; Label Studio exports and Prodigy JSONL too')
  .requiredOption('--out <dir>', 'model folder to write')
  .option('--seed <n>', 'random seed', '1')
  .option('--folds <k>', 'cross-validation folds for calibration and metrics', '5')
  .option('--augment', 'add seeded augmented variants (counted separately)')
  .option('--embedder <name>', 'also train heads on an encoder\'s vectors, stacked with the lexical heads: use-lite or onnx:DIR')
  .action(async (corpus: string[], opts) => (await import('./commands/train.js')).runTrain(corpus, opts));

program
  .command('score')
  .description('score batches of traffic for extraction-style repetition; one JSON line per batch')
  .argument('[file]', 'JSONL records; "-" or none = stdin; need not be grouped or sorted')
  .option('--by <field>', 'grouping field (account, api key, session, window …)', 'account')
  .option('--link', 'link batches that share campaign fingerprints; adds "campaign" and re-scores')
  .option('--missing <name>', 'batch for records without the grouping field', '(none)')
  .option('--model <dir>', 'tagger model folder (default: shipped)')
  .option('--combiner <file>', 'combiner file (default: shipped)')
  .option('--workers <n>', 'worker threads (0 = score in the main thread)', String(Math.min(2, Math.max(1, availableParallelism()))))
  .option('--embedder <name>', 'add the semantic signal from this encoder (use-lite or onnx:DIR; needs combiner heads trained with it)')
  .action(async (file: string | undefined, opts) => (await import('./commands/score.js')).runScore(file, opts));

program
  .command('simulate')
  .description('generate labelled account traffic (organic accounts and campaigns) from a prompt pool and scaffolds')
  .argument('<pool...>', 'labelled JSONL files or folders of base prompts')
  .requiredOption('--scaffolds <file>', 'scaffold set (corpus/traffic/scaffolds.*.json)')
  .option('--seed <n>', 'random seed', '1')
  .option('--scale <x>', 'multiply the number of accounts', '1')
  .option('--volume <x>', 'multiply prompts per account', '1')
  .option('--prefix <s>', 'account name prefix')
  .action(async (pool: string[], opts) => (await import('./commands/simulate.js')).runSimulate(pool, opts));

program
  .command('train-combiner')
  .description('fit the batch-score combiner on simulated traffic (records carry "sim" ground truth)')
  .argument('<traffic>', 'simulated traffic JSONL ("-" = stdin)')
  .requiredOption('--out <file>', 'combiner file to write')
  .option('--by <field>', 'grouping field', 'account')
  .option('--model <dir>', 'tagger model folder (default: shipped)')
  .option('--embedder <name>', 'also train heads that read the semantic signal of this encoder (use-lite or onnx:DIR)')
  .action(async (file: string, opts) => (await import('./commands/train-combiner.js')).runTrainCombiner(file, opts));

program
  .command('eval-score')
  .description('evaluate batch scoring and linking on simulated traffic: ROC-AUC, detection at 1%/0.1% FPR, ARI, baseline')
  .argument('<traffic>', 'simulated traffic JSONL ("-" = stdin)')
  .option('--by <field>', 'grouping field', 'account')
  .option('--json', 'print the report as JSON')
  .option('--model <dir>', 'tagger model folder (default: shipped)')
  .option('--combiner <file>', 'combiner file (default: shipped)')
  .option('--embedder <name>', 'also report scores with the semantic signal of this encoder (use-lite or onnx:DIR)')
  .action(async (file: string, opts) => (await import('./commands/eval-score.js')).runEvalScore(file, opts));

/** Commander helper: a repeatable option collected into a list. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else if (err instanceof CliError) {
    process.stderr.write(`distillscope: ${err.code}: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`distillscope: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
