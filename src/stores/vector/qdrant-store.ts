import { QdrantClient } from '@qdrant/js-client-rest';
import type { Collection, Payload, PayloadFilter, ScoredPoint, VectorPoint, VectorStore } from './vector-store.js';
import { COLLECTIONS, INDEXED_PAYLOAD_KEYS } from './vector-store.js';
import { VectorSpaceMismatch } from './vector-space.js';

/** Qdrant through its official REST client: cosine collections with a keyword index on the filter key. */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant';
  private readonly client: QdrantClient;
  private readonly model: string;

  constructor(
    options: { url: string; apiKey?: string | null; /** For the message when the collections hold another size. */ model?: string },
    private readonly dimensions: number,
  ) {
    this.model = options.model ?? 'unknown';
    this.client = new QdrantClient({ url: options.url, ...(options.apiKey ? { apiKey: options.apiKey } : {}), checkCompatibility: false });
  }

  async ensureCollections(): Promise<void> {
    for (const collection of COLLECTIONS) {
      const { exists } = await this.client.collectionExists(collection);
      if (!exists) {
        await this.client.createCollection(collection, { vectors: { size: this.dimensions, distance: 'Cosine' } });
      } else {
        const vectors = (await this.client.getCollection(collection)).config.params.vectors as { size?: number } | undefined;
        if (vectors?.size !== this.dimensions) {
          throw new VectorSpaceMismatch(`qdrant (${collection})`, { model: null, dimensions: vectors?.size ?? 0 }, { model: this.model, dimensions: this.dimensions });
        }
      }
      await this.client.createPayloadIndex(collection, { field_name: INDEXED_PAYLOAD_KEYS[collection], field_schema: 'keyword', wait: true });
    }
  }

  async upsert(collection: Collection, points: VectorPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.client.upsert(collection, { wait: true, points });
  }

  async search(collection: Collection, vector: number[], options: { filter: PayloadFilter; limit: number }): Promise<ScoredPoint[]> {
    const hits = await this.client.search(collection, { vector, limit: options.limit, filter: toFilter(options.filter), with_payload: true });
    return hits.map((hit) => ({ id: String(hit.id), score: hit.score, payload: (hit.payload ?? {}) as Payload }));
  }

  async list(collection: Collection, filter: PayloadFilter): Promise<{ id: string; payload: Payload }[]> {
    const points: { id: string; payload: Payload }[] = [];
    let offset: string | number | undefined;
    do {
      const page = await this.client.scroll(collection, { filter: toFilter(filter), limit: 256, with_payload: true, ...(offset !== undefined ? { offset } : {}) });
      for (const point of page.points) points.push({ id: String(point.id), payload: (point.payload ?? {}) as Payload });
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined);
    return points;
  }

  async delete(collection: Collection, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client.delete(collection, { wait: true, points: ids });
  }

  async deleteWhere(collection: Collection, filter: PayloadFilter): Promise<number> {
    const count = await this.count(collection, filter);
    if (count > 0) await this.client.delete(collection, { wait: true, filter: toFilter(filter) });
    return count;
  }

  async count(collection: Collection, filter: PayloadFilter = {}): Promise<number> {
    const { count } = await this.client.count(collection, { filter: toFilter(filter), exact: true });
    return count;
  }

  async close(): Promise<void> {}
}

function toFilter(filter: PayloadFilter): { must: { key: string; match: { value: string | number | boolean } }[] } {
  return { must: Object.entries(filter).map(([key, value]) => ({ key, match: { value } })) };
}
