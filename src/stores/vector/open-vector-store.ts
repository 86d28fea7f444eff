import type { Pool } from '../postgres/pool.js';
import { openPgliteVectorStore } from './pglite.js';
import { PgVectorStore } from './pgvector-store.js';
import { QdrantVectorStore } from './qdrant-store.js';
import type { VectorStore } from './vector-store.js';

/**
 * Qdrant when QDRANT_URL is set; else pgvector in the main database when it has the
 * extension; else pgvector on PGlite in VECTOR_DATA_DIR. Collections exist on return.
 */
export async function openVectorStore(options: {
  qdrantUrl: string | null;
  qdrantApiKey: string | null;
  dataDir: string;
  dimensions: number;
  pool: Pool;
}): Promise<VectorStore> {
  let store: VectorStore;
  if (options.qdrantUrl) {
    store = new QdrantVectorStore({ url: options.qdrantUrl, apiKey: options.qdrantApiKey }, options.dimensions);
  } else if (await hasPgvector(options.pool)) {
    store = new PgVectorStore(options.pool, options.dimensions, { kind: 'pgvector:DATABASE_URL' });
  } else {
    store = await openPgliteVectorStore({ dataDir: options.dataDir, dimensions: options.dimensions });
  }
  await store.ensureCollections();
  return store;
}

async function hasPgvector(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  return rows.length > 0;
}
