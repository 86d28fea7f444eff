// One embedding thread: all-MiniLM-L6-v2 (ONNX) with its own tokenizer. Plain JavaScript
// because worker threads load files as Node does, without the TypeScript loader that runs
// the rest of chatmem (tsx in production, Vite in tests).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';

const { modelDir, maxTokens } = workerData;
const readJson = (name) => JSON.parse(readFileSync(join(modelDir, name), 'utf8'));
const tokenizer = new Tokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
// One thread per session: the pool decides how many cores embedding may take.
const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
// Texts of similar length go together, so short messages are not padded to a long one.
const BATCH = 16;

function encode(text) {
  const ids = tokenizer.encode(text).ids;
  if (ids.length <= maxTokens) return ids;
  return [...ids.slice(0, maxTokens - 1), ids[ids.length - 1]];
}

async function embedBatch(encoded) {
  const rows = encoded.length;
  const width = Math.max(...encoded.map((ids) => ids.length));
  const inputIds = new BigInt64Array(rows * width);
  const mask = new BigInt64Array(rows * width);
  encoded.forEach((ids, row) => ids.forEach((id, column) => {
    inputIds[row * width + column] = BigInt(id);
    mask[row * width + column] = 1n;
  }));
  const shape = [rows, width];
  const output = await session.run({
    input_ids: new ort.Tensor('int64', inputIds, shape),
    attention_mask: new ort.Tensor('int64', mask, shape),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(rows * width), shape),
  });
  const hidden = output[session.outputNames[0]];
  const size = hidden.dims[2];
  // Mean of the real tokens' states, then unit length: sentence-transformers' pooling.
  return encoded.map((ids, row) => {
    const vector = new Float32Array(size);
    for (let token = 0; token < ids.length; token++) {
      const offset = (row * width + token) * size;
      for (let k = 0; k < size; k++) vector[k] += hidden.data[offset + k];
    }
    let norm = 0;
    for (let k = 0; k < size; k++) norm += vector[k] * vector[k];
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < size; k++) vector[k] /= norm;
    return vector;
  });
}

parentPort.on('message', async ({ id, texts }) => {
  try {
    const encoded = texts.map(encode);
    const order = encoded.map((_, index) => index).sort((a, b) => encoded[a].length - encoded[b].length);
    const vectors = new Array(texts.length);
    for (let start = 0; start < order.length; start += BATCH) {
      const batch = order.slice(start, start + BATCH);
      const embedded = await embedBatch(batch.map((index) => encoded[index]));
      batch.forEach((index, position) => (vectors[index] = embedded[position]));
    }
    parentPort.postMessage({ id, vectors }, vectors.map((vector) => vector.buffer));
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort.postMessage({ ready: true });
