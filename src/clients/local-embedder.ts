import { Worker } from 'node:worker_threads';
import type { Embedder } from './embedder.js';

export const LOCAL_EMBEDDING_MODEL = 'all-MiniLM-L6-v2-int8';
export const LOCAL_EMBEDDING_DIMENSIONS = 384;
/** The model was trained on up to 256 word pieces; longer texts are embedded by their start. */
const MAX_TOKENS = 256;
/** Texts handed to one thread at a time, so a long backlog does not hold up a short query. */
const CHUNK = 32;

export interface LocalEmbedderOptions {
  modelDir: string;
  /** Threads running the model; each takes one core while it works. */
  threads: number;
}

interface Job {
  texts: string[];
  resolve(vectors: number[][]): void;
  reject(error: Error): void;
}

interface Reply {
  id: number;
  vectors?: Float32Array[];
  error?: string;
}

/**
 * all-MiniLM-L6-v2 in-process. onnxruntime's `run` holds the thread it is called on, so the
 * model runs in a small pool of worker threads and the event loop (webhooks, Temporal
 * heartbeats) never waits for it.
 */
export async function createLocalEmbedder(options: LocalEmbedderOptions): Promise<Embedder & { close(): Promise<void> }> {
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const running = new Map<Worker, { id: number; job: Job }>();
  let nextId = 0;
  let closed = false;

  const dispatch = () => {
    while (idle.length && queue.length) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      const id = ++nextId;
      running.set(worker, { id, job });
      // Busy threads keep the process alive (a CLI awaiting vectors); idle ones do not.
      worker.ref();
      worker.postMessage({ id, texts: job.texts });
    }
  };

  const workers = new Set<Worker>();
  const adopt = (worker: Worker) => {
    workers.add(worker);
    worker.on('message', (reply: Reply) => {
      const current = running.get(worker);
      if (!current || current.id !== reply.id) return;
      running.delete(worker);
      worker.unref();
      idle.push(worker);
      if (reply.error !== undefined) current.job.reject(new Error(`local embedding failed: ${reply.error}`));
      else current.job.resolve(reply.vectors!.map((vector) => Array.from(vector)));
      dispatch();
    });
    // A thread that dies fails only the texts it held; a fresh one takes its place.
    worker.on('error', (error) => {
      running.get(worker)?.job.reject(new Error(`local embedding failed: ${error.message}`));
      running.delete(worker);
      workers.delete(worker);
      if (idle.includes(worker)) idle.splice(idle.indexOf(worker), 1);
      if (!closed) void startThread(options.modelDir).then(adopt, () => undefined);
    });
    idle.push(worker);
    dispatch();
  };
  for (const worker of await Promise.all(Array.from({ length: options.threads }, () => startThread(options.modelDir)))) adopt(worker);

  const embedChunk = (texts: string[]) =>
    new Promise<number[][]>((resolve, reject) => {
      if (closed) return reject(new Error('the local embedder is closed'));
      queue.push({ texts, resolve, reject });
      dispatch();
    });

  return {
    dimensions: LOCAL_EMBEDDING_DIMENSIONS,
    async embed(texts) {
      const chunks: Promise<number[][]>[] = [];
      for (let start = 0; start < texts.length; start += CHUNK) chunks.push(embedChunk(texts.slice(start, start + CHUNK)));
      return (await Promise.all(chunks)).flat();
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('the local embedder is closed'));
      await Promise.all([...workers].map((worker) => worker.terminate()));
    },
  };
}

function startThread(modelDir: string): Promise<Worker> {
  const worker = new Worker(new URL('./local-embedder-worker.mjs', import.meta.url), { workerData: { modelDir, maxTokens: MAX_TOKENS } });
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(new Error(`the local embedding model in ${modelDir} does not load: ${error.message}`));
    worker.once('error', failed);
    worker.once('message', (message: { ready?: boolean }) => {
      if (!message.ready) return;
      worker.off('error', failed);
      // A thread that has no work must not keep the process alive on its own.
      worker.unref();
      resolve(worker);
    });
  });
}
