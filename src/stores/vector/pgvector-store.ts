import type { SqlClient } from '../sql/database.js';
import type { Collection, Payload, PayloadFilter, ScoredPoint, VectorPoint, VectorStore } from './vector-store.js';
import { COLLECTIONS, INDEXED_PAYLOAD_KEYS } from './vector-store.js';
import { WrongVectorSize } from '../../domain/failure-types.js';
import { VectorSpaceMismatch } from './vector-space.js';

const table = (collection: Collection) => `vec_${collection}`;
const literal = (vector: number[]) => `[${vector.join(',')}]`;

/**
 * pgvector on any Postgres with the `vector` extension: PGlite in-process, or a server.
 * One table per collection; payloads as jsonb with an expression index on the filter key.
 */
export class PgVectorStore implements VectorStore {
  readonly kind: string;

  constructor(
    private readonly sql: SqlClient,
    private readonly dimensions: number,
    options: { kind?: string; close?: () => Promise<void>; /** Tags the collections; checked at every start. */ model?: string } = {},
  ) {
    this.kind = options.kind ?? 'pgvector';
    this.closeClient = options.close ?? (async () => undefined);
    this.model = options.model ?? null;
  }

  private readonly model: string | null;

  private readonly closeClient: () => Promise<void>;

  async ensureCollections(): Promise<void> {
    await this.sql.query('CREATE EXTENSION IF NOT EXISTS vector');
    if (this.model) await this.sql.query('CREATE TABLE IF NOT EXISTS vec_collections (name text PRIMARY KEY, model text NOT NULL)');
    for (const collection of COLLECTIONS) {
      const key = INDEXED_PAYLOAD_KEYS[collection];
      await this.sql.query(
        `CREATE TABLE IF NOT EXISTS ${table(collection)} (
           id uuid PRIMARY KEY,
           embedding vector(${this.dimensions}) NOT NULL,
           payload jsonb NOT NULL,
           inserted bigserial
         )`,
      );
      await this.sql.query(`CREATE INDEX IF NOT EXISTS ${table(collection)}_${key} ON ${table(collection)} ((payload->>'${key}'))`);
      await this.checkSpace(collection);
    }
  }

  /** The collection's vectors must be of the configured size, and (once tagged) of the configured model. */
  private async checkSpace(collection: Collection): Promise<void> {
    const { rows } = await this.sql.query<{ type: string }>(
      "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'",
      [table(collection)],
    );
    const dimensions = Number(/\((\d+)\)/.exec(rows[0]?.type ?? '')?.[1]);
    let model: string | null = null;
    if (this.model) {
      // Collections made before the tag existed take the configured model: their size is still checked.
      await this.sql.query('INSERT INTO vec_collections (name, model) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [collection, this.model]);
      model = (await this.sql.query<{ model: string }>('SELECT model FROM vec_collections WHERE name = $1', [collection])).rows[0]?.model ?? null;
    }
    if (dimensions !== this.dimensions || (this.model && model !== this.model)) {
      throw new VectorSpaceMismatch(`${this.kind} (${table(collection)})`, { model, dimensions }, { model: this.model ?? 'unknown', dimensions: this.dimensions });
    }
  }

  async upsert(collection: Collection, points: VectorPoint[]): Promise<void> {
    points.forEach((point) => this.checkDimensions(point.vector));
    // One statement for the batch; a point given twice is written once, as its last copy.
    const latest = [...new Map(points.map((point) => [point.id, point])).values()];
    if (latest.length === 0) return;
    await this.sql.query(
      `INSERT INTO ${table(collection)} (id, embedding, payload)
       SELECT id, embedding::vector, payload FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS point(id, embedding, payload)
       ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, payload = EXCLUDED.payload`,
      [latest.map((point) => point.id), latest.map((point) => literal(point.vector)), latest.map((point) => JSON.stringify(point.payload))],
    );
  }

  async search(collection: Collection, vector: number[], options: { filter: PayloadFilter; limit: number }): Promise<ScoredPoint[]> {
    this.checkDimensions(vector);
    const { where, params } = whereClause(options.filter, 2);
    const { rows } = await this.sql.query<{ id: string; distance: number; payload: Payload }>(
      `SELECT id, embedding <=> $1::vector AS distance, payload FROM ${table(collection)}
        ${where} ORDER BY embedding <=> $1::vector LIMIT ${Math.max(0, Math.floor(options.limit))}`,
      [literal(vector), ...params],
    );
    return rows.map((row) => ({ id: row.id, score: 1 - Number(row.distance), payload: row.payload }));
  }

  async list(collection: Collection, filter: PayloadFilter): Promise<{ id: string; payload: Payload }[]> {
    const { where, params } = whereClause(filter, 1);
    const { rows } = await this.sql.query<{ id: string; payload: Payload }>(
      `SELECT id, payload FROM ${table(collection)} ${where} ORDER BY inserted`,
      params,
    );
    return rows;
  }

  async delete(collection: Collection, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query(`DELETE FROM ${table(collection)} WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async deleteWhere(collection: Collection, filter: PayloadFilter): Promise<number> {
    const { where, params } = whereClause(filter, 1);
    const { rows } = await this.sql.query<{ id: string }>(`DELETE FROM ${table(collection)} ${where} RETURNING id`, params);
    return rows.length;
  }

  async count(collection: Collection, filter: PayloadFilter = {}): Promise<number> {
    const { where, params } = whereClause(filter, 1);
    const { rows } = await this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table(collection)} ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  close(): Promise<void> {
    return this.closeClient();
  }

  private checkDimensions(vector: number[]): void {
    if (vector.length !== this.dimensions) {
      throw new WrongVectorSize(`vector has ${vector.length} dimensions, the store expects ${this.dimensions}`);
    }
  }
}

/** Equality on payload keys; values compared as the JSON text Postgres extracts. */
function whereClause(filter: PayloadFilter, firstParam: number): { where: string; params: unknown[] } {
  const entries = Object.entries(filter);
  if (entries.length === 0) return { where: '', params: [] };
  const conditions = entries.map(([key], index) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`payload key '${key}' is not a plain name`);
    return `payload->>'${key}' = $${firstParam + index}`;
  });
  return { where: `WHERE ${conditions.join(' AND ')}`, params: entries.map(([, value]) => String(value)) };
}
