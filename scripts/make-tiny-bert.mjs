#!/usr/bin/env node
// Writes test/fixtures/tiny-bert: a BERT-shaped sentence encoder of a few KB that loads through the
// real @huggingface/transformers path (config.json, tokenizer.json, tokenizer_config.json,
// onnx/model.onnx), so the ONNX embedder is tested without downloading a model.
//
// The graph is small but computes: word + position + token-type embeddings, LayerNormalization, a
// residual Tanh(MatMul) layer, and the attention mask zeroing padded positions. Different texts give
// different vectors, and token order moves them a little through the position embeddings. Weights
// come from a seeded PRNG and every file is serialized in a fixed order, so two runs give
// byte-identical files (test/embed-onnx.test.ts checks it).
//
// Usage: node scripts/make-tiny-bert.mjs [OUT_DIR]   (default: test/fixtures/tiny-bert)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

const GENERATOR = 'scripts/make-tiny-bert.mjs';
const SEED = 20250101;
const HIDDEN = 16;
/** Tokens per input, [CLS] and [SEP] included: small, so the embedder's windowing is exercised. */
const MAX_LENGTH = 32;
const TYPE_VOCAB = 2;
/** ONNX opset 17 (LayerNormalization) with IR version 8, as onnx 1.12 writes; onnxruntime 1.21 reads both. */
const OPSET = 17;
const IR_VERSION = 8;

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const DIGITS = [...'0123456789'];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];
const VOCAB = [
  ...SPECIALS,
  ...'.,?!\'":;()-/',
  ...DIGITS,
  ...LETTERS,
  ...LETTERS.map((c) => `##${c}`),
  ...DIGITS.map((c) => `##${c}`),
  ...['the', 'is', 'to', 'of', 'and', 'in', 'you', 'how', 'what', 'write', 'code', 'list', 'sort', 'step', 'by'],
  ...['python', 'explain', 'reason', 'model', 'answer', 'please', 'translate', 'summarize', 'function', 'data'],
  ...['##s', '##ing', '##ed', '##ly', '##er', '##ion'],
  ...'你好中文请解释的',
];

/** mulberry32: a small seeded PRNG with uniform floats in [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
/** `n` floats uniform in [center - scale, center + scale). */
const uniform = (n, scale, center = 0) => Array.from({ length: n }, () => center + scale * (2 * random() - 1));

/** A float32 initializer, stored little-endian in raw_data whatever the machine. */
function floatTensor(name, dims, values) {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes };
}

function int64Tensor(name, dims, values) {
  return { name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: values };
}

function node(opType, inputs, outputs, attribute = []) {
  return { opType, input: inputs, output: outputs, name: outputs[0], attribute };
}

function valueInfo(name, elemType, dims) {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function buildModel() {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const { INT, FLOAT: FLOAT_ATTR } = onnx.AttributeProto.AttributeType;
  const initializer = [
    floatTensor('embeddings.word_embeddings.weight', [VOCAB.length, HIDDEN], uniform(VOCAB.length * HIDDEN, 1)),
    floatTensor('embeddings.position_embeddings.weight', [MAX_LENGTH, HIDDEN], uniform(MAX_LENGTH * HIDDEN, 0.3)),
    floatTensor('embeddings.token_type_embeddings.weight', [TYPE_VOCAB, HIDDEN], uniform(TYPE_VOCAB * HIDDEN, 0.1)),
    floatTensor('embeddings.LayerNorm.weight', [HIDDEN], uniform(HIDDEN, 0.1, 1)),
    floatTensor('embeddings.LayerNorm.bias', [HIDDEN], uniform(HIDDEN, 0.1)),
    floatTensor('dense.weight', [HIDDEN, HIDDEN], uniform(HIDDEN * HIDDEN, 0.5)),
    floatTensor('dense.bias', [HIDDEN], uniform(HIDDEN, 0.1)),
    int64Tensor('zero', [], [0]),
    int64Tensor('one', [], [1]),
    int64Tensor('last_axis', [1], [-1]),
  ];
  const nodes = [
    node('Gather', ['embeddings.word_embeddings.weight', 'input_ids'], ['word_embeds']),
    node('Gather', ['embeddings.token_type_embeddings.weight', 'token_type_ids'], ['type_embeds']),
    node('Shape', ['input_ids'], ['input_shape']),
    node('Gather', ['input_shape', 'one'], ['seq_len']),
    node('Range', ['zero', 'seq_len', 'one'], ['position_ids']),
    node('Gather', ['embeddings.position_embeddings.weight', 'position_ids'], ['position_embeds']),
    node('Add', ['word_embeds', 'type_embeds'], ['word_type_embeds']),
    node('Add', ['word_type_embeds', 'position_embeds'], ['embeds']),
    node('LayerNormalization', ['embeds', 'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias'], ['normed'], [
      { name: 'axis', type: INT, i: -1 },
      { name: 'epsilon', type: FLOAT_ATTR, f: 1e-12 },
    ]),
    node('MatMul', ['normed', 'dense.weight'], ['projected']),
    node('Add', ['projected', 'dense.bias'], ['biased']),
    node('Tanh', ['biased'], ['activated']),
    node('Add', ['normed', 'activated'], ['hidden']),
    node('Cast', ['attention_mask'], ['mask_float'], [{ name: 'to', type: INT, i: FLOAT }]),
    node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_3d']),
    node('Mul', ['hidden', 'mask_3d'], ['last_hidden_state']),
  ];
  const model = onnx.ModelProto.fromObject({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'distillscope',
    producerVersion: GENERATOR,
    docString: `Tiny BERT-shaped test encoder, generated by ${GENERATOR} (seed ${SEED}); do not edit.`,
    graph: {
      name: 'tiny_bert',
      node: nodes,
      initializer,
      input: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => valueInfo(name, INT64, ['batch_size', 'sequence_length'])),
      output: [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', HIDDEN])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function specialToken(content, id) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

function buildTokenizer() {
  const vocab = Object.fromEntries(VOCAB.map((token, id) => [token, id]));
  const special = (token) => ({ id: token, ids: [vocab[token]], tokens: [token] });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((token) => specialToken(token, vocab[token])),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: { '[CLS]': special('[CLS]'), '[SEP]': special('[SEP]') },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

function buildTokenizerConfig() {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    tokenize_chinese_chars: true,
    strip_accents: null,
    model_max_length: MAX_LENGTH,
    clean_up_tokenization_spaces: true,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
}

function buildConfig() {
  return {
    _generated_by: `${GENERATOR} (seed ${SEED}); do not edit`,
    architectures: ['BertModel'],
    model_type: 'bert',
    vocab_size: VOCAB.length,
    hidden_size: HIDDEN,
    num_hidden_layers: 1,
    hidden_act: 'tanh',
    max_position_embeddings: MAX_LENGTH,
    type_vocab_size: TYPE_VOCAB,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  };
}

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'test/fixtures/tiny-bert'));
mkdirSync(join(out, 'onnx'), { recursive: true });
writeFileSync(join(out, 'config.json'), json(buildConfig()));
writeFileSync(join(out, 'tokenizer.json'), json(buildTokenizer()));
writeFileSync(join(out, 'tokenizer_config.json'), json(buildTokenizerConfig()));
writeFileSync(join(out, 'onnx/model.onnx'), buildModel());
process.stderr.write(`make-tiny-bert: wrote ${out} (vocabulary ${VOCAB.length}, hidden ${HIDDEN}, max length ${MAX_LENGTH})\n`);
