import type { Database } from '../sql/database.js';
import { openPgliteVectorStore } from './pglite.js';
import { PgVectorStore } from './pgvector-store.js';
import { QdrantVectorStore } from './qdrant-store.js';
import type { VectorStore } from './vector-store.js';

/**
 * Qdrant when QDRANT_URL is set; else pgvector in the main database when it has the
 * extension (always so for the zero-config PGlite); else pgvector on PGlite in
 * VECTOR_DATA_DIR. Collections exist on return, with vectors of the configured model and
 * size (VectorSpaceMismatch otherwise).
 */
export async function openVectorStore(options: {
  qdrantUrl: string | null;
  qdrantApiKey: string | null;
  dataDir: string;
  dimensions: number;
  /** The embedding model: the collections are tagged with it, and a store of another is refused. */
  model: string;
  db: Database;
}): Promise<VectorStore> {
  let store: VectorStore;
  if (options.qdrantUrl) {
    store = new QdrantVectorStore({ url: options.qdrantUrl, apiKey: options.qdrantApiKey, model: options.model }, options.dimensions);
  } else if (await hasPgvector(options.db)) {
    store = new PgVectorStore(options.db, options.dimensions, { kind: `pgvector:${options.db.kind}`, model: options.model });
  } else {
    store = await openPgliteVectorStore({ dataDir: options.dataDir, dimensions: options.dimensions, model: options.model });
  }
  try {
    await store.ensureCollections();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function hasPgvector(db: Database): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  return rows.length > 0;
}
