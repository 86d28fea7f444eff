/**
 * The long-term memory port: two collections of embedded points with JSON payloads, cosine
 * similarity, equality filters on payload keys. Qdrant and pgvector implement it.
 */
export const COLLECTIONS = ['longterm_memory', 'user_knowledge'] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** Payload keys the stores index, because every read filters on one of them. */
export const INDEXED_PAYLOAD_KEYS: Record<Collection, string> = {
  longterm_memory: 'chatId',
  user_knowledge: 'ltmId',
};

export type Payload = Record<string, string | number | boolean | null>;
export type PayloadFilter = Record<string, string | number | boolean>;

export interface VectorPoint {
  id: string;
  vector: number[];
  payload: Payload;
}

export interface ScoredPoint {
  id: string;
  score: number;
  payload: Payload;
}

export interface VectorStore {
  readonly kind: string;
  /** Creates both collections (and their payload indexes) if missing; safe to call at every start. */
  ensureCollections(): Promise<void>;
  /** Inserts or replaces points by id. */
  upsert(collection: Collection, points: VectorPoint[]): Promise<void>;
  /** The `limit` points most similar to `vector` among those matching `filter`, best first. */
  search(collection: Collection, vector: number[], options: { filter: PayloadFilter; limit: number }): Promise<ScoredPoint[]>;
  /** Every point matching `filter` (ids and payloads), oldest insert first. */
  list(collection: Collection, filter: PayloadFilter): Promise<{ id: string; payload: Payload }[]>;
  delete(collection: Collection, ids: string[]): Promise<void>;
  /** Removes every point matching `filter`; returns how many were removed. */
  deleteWhere(collection: Collection, filter: PayloadFilter): Promise<number>;
  count(collection: Collection, filter?: PayloadFilter): Promise<number>;
  close(): Promise<void>;
}
