import OpenAI from 'openai';
import { lightFetch } from './http-request.js';
import { WrongVectorSize } from '../domain/failure-types.js';
import { HttpStatusError, retryAfterMs } from './http-status-error.js';

export interface Embedder {
  readonly dimensions: number;
  embed(texts: string[]): Promise<number[][]>;
}

/** Embeddings through the `openai` client (any OpenAI-compatible server with a base URL). */
export function createEmbedder(options: { apiKey: string; baseUrl: string | null; model: string; dimensions: number; timeoutMs: number }): Embedder {
  const client = new OpenAI({ apiKey: options.apiKey, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}), maxRetries: 0, fetch: lightFetch, timeout: options.timeoutMs });
  return {
    dimensions: options.dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      try {
        const response = await client.embeddings.create({ model: options.model, input: texts, dimensions: options.dimensions, encoding_format: 'float' });
        const vectors = [...response.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
        for (const vector of vectors) {
          if (vector.length !== options.dimensions) {
            throw new WrongVectorSize(`${options.model} returned ${vector.length} dimensions; EMBEDDING_DIMENSIONS is ${options.dimensions}`);
          }
        }
        return vectors;
      } catch (error) {
        if (error instanceof OpenAI.APIError && typeof error.status === 'number') throw new HttpStatusError('embeddings', error.status, error.message, retryAfterMs(error.headers?.get('retry-after')));
        throw error;
      }
    },
  };
}
