import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers.js';

describe('importing distillscope', () => {
  beforeAll(ensureBuilt);

  it('prints nothing to stdout or stderr, through the package name and the built entry', () => {
    for (const spec of ['distillscope', join(ROOT, 'dist/index.js')]) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(spec)}); if (typeof m.createTagger !== 'function') process.exit(3);`], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('');
    }
  });

  it('creating a tagger and tagging prints nothing either', () => {
    const code = `const { createTagger } = await import('distillscope'); createTagger().tag('hello there');`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
  });

  it('exposes only the public surface', async () => {
    const m = await import('../src/index.js');
    expect(Object.keys(m).sort()).toEqual(
      [
        'CHOICES', 'CHOICE_HINTS', 'CLASSES', 'CSV_COLUMNS', 'DEFAULT_EMBED_BAND', 'FormatError', 'GOLD_FORMATS', 'LABELS', 'LABEL_STUDIO_CONFIG',
        'LABEL_STUDIO_FROM_NAME', 'MAX_JSON_BYTES', 'NONE', 'RecordError', 'SEMANTIC_SIGNAL_NAMES', 'SIGNAL_NAMES', 'adjustedRandIndex',
        'buildReport', 'createBatchScorer', 'createLabelStudioWriter', 'createOnnxEmbedder', 'createTagger', 'createUseLiteEmbedder',
        'crossCheckTuning', 'csvHeader', 'csvRow', 'defaultModelDir', 'detectionAtFpr', 'evaluate', 'expectedCalibrationError', 'formatReport',
        'goldFromJsonl', 'goldFromLabelStudioExport', 'goldFromLabelStudioItem', 'goldFromProdigy', 'guessLang', 'isLabel', 'labelStudioTask',
        'labelsFromChoices', 'linkBatches', 'loadCombiner', 'loadEmbeddingHeads', 'loadLabelled', 'loadModel', 'modelInfo', 'normalizeText',
        'parseJsonLine', 'parseTuneSpec', 'prodigyTask', 'readGold', 'readLines', 'renderReport', 'rocAuc', 'saveEmbeddingHeads', 'saveModel',
        'scoreBatch', 'semanticSignals', 'simulateTraffic', 'sniffGoldFormat', 'toPromptRecord', 'trainCombiner', 'trainEmbeddingHeads',
        'trainTagger', 'tuneThresholds', 'uncertainty',
      ].sort(),
    );
  });
});
