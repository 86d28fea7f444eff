import { openPgliteDatabase } from '../sql/pglite-database.js';
import { PgVectorStore } from './pgvector-store.js';

/**
 * pgvector in-process on PGlite: long-term memory with nothing to install, beside a
 * PostgreSQL server that lacks the extension. One process owns the folder; several workers
 * need Qdrant or a Postgres with pgvector instead.
 */
export async function openPgliteVectorStore(options: { dataDir: string | null; dimensions: number; model?: string }): Promise<PgVectorStore> {
  const db = await openPgliteDatabase(options.dataDir);
  return new PgVectorStore(db, options.dimensions, { kind: db.kind, close: () => db.close(), model: options.model });
}
