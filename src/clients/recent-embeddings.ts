import { LRUCache } from 'lru-cache';
import type { Embedder } from './embedder.js';

/**
 * Keeps the vectors of recently embedded texts. A user message is embedded twice on its way
 * through chatmem: as the query that recalls earlier messages for the reply, and again when
 * long-term memory stores it. Both usually happen in the same worker within a second, so the
 * second is served from here (or joins the first while it is still in flight) instead of a
 * second embeddings call or a second run of the local model.
 */
export function withRecentEmbeddings<E extends Embedder>(embedder: E, capacity = 2_000): E {
  const recent = new LRUCache<string, Promise<number[]>>({ max: capacity });

  function embed(texts: string[]): Promise<number[][]> {
    if (texts.length > capacity) return embedder.embed(texts);
    const missing = [...new Set(texts.filter((text) => !recent.has(text)))];
    if (missing.length) {
      const batch = embedder.embed(missing);
      missing.forEach((text, index) => {
        const vector = batch.then((vectors) => vectors[index]!);
        // A failed call is not remembered: the next caller tries again.
        vector.catch(() => recent.get(text) === vector && recent.delete(text));
        recent.set(text, vector);
      });
    }
    // Nothing ran between filling the cache and reading it, so every text is there.
    return Promise.all(texts.map((text) => recent.get(text)!));
  }

  return { ...embedder, embed };
}
