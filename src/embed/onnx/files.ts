import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The files a sentence-encoder folder needs, as transformers.js names them for fp32 weights. */
export const ONNX_MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

/**
 * Throws unless `dir` is a folder holding every file of `ONNX_MODEL_FILES`; names the missing ones.
 * Only checks that they exist: transformers.js reads them at the first `embed`.
 *
 * Example:
 *   checkOnnxModelDir('/models/all-MiniLM-L6-v2') // → undefined
 *   checkOnnxModelDir('/tmp/half')
 *   // throws: distillscope: the ONNX model folder "/tmp/half" lacks tokenizer.json, onnx/model.onnx
 *   //         (a sentence-encoder folder needs config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx)
 * @internal
 */
export function checkOnnxModelDir(dir: string): void {
  if (!existsSync(dir)) throw new Error(`distillscope: the ONNX model folder "${dir}" does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`distillscope: the ONNX model path "${dir}" is a file, not a folder`);
  const missing = ONNX_MODEL_FILES.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) {
    throw new Error(`distillscope: the ONNX model folder "${dir}" lacks ${missing.join(', ')} (a sentence-encoder folder needs ${ONNX_MODEL_FILES.join(', ')})`);
  }
}

/**
 * Length of the model's token vectors, from `config.json` (`hidden_size`, or `dim` / `d_model` for
 * the model types that name it so).
 *
 * Example:
 *   readHiddenSize('/models/all-MiniLM-L6-v2/config.json') // → 384
 * @internal
 */
export function readHiddenSize(configPath: string): number {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`distillscope: cannot read the ONNX model config "${configPath}": ${(err as Error).message}`);
  }
  const size = config.hidden_size ?? config.dim ?? config.d_model;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw new Error(`distillscope: the ONNX model config "${configPath}" has no hidden_size (a whole number ≥ 1), got ${JSON.stringify(size)}`);
  }
  return size;
}
