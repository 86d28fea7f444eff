import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PgVectorStore } from './pgvector-store.js';

/**
 * pgvector in-process on PGlite: long-term memory with nothing to install. One process
 * owns the directory; several workers need Qdrant or a Postgres with pgvector instead.
 */
export async function openPgliteVectorStore(options: { dataDir: string | null; dimensions: number }): Promise<PgVectorStore> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create({ ...(options.dataDir ? { dataDir: options.dataDir } : {}), extensions: { vector } });
  return new PgVectorStore(db, options.dimensions, { kind: options.dataDir ? `pglite:${options.dataDir}` : 'pglite:memory', close: () => db.close() });
}
