import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Database } from './database.js';

/**
 * PostgreSQL in-process (PGlite) with pgvector, kept in `dataDir` (in memory when null):
 * the zero-config database. One process owns the folder.
 */
export async function openPgliteDatabase(dataDir: string | null): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector, unaccent } });
  return {
    kind: dataDir ? `pglite:${dataDir}` : 'pglite:memory',
    query: (sql, params) => db.query(sql, params),
    exec: (script) => db.exec(script),
    transaction: (work) => db.transaction((tx) => work(tx)),
    close: () => db.close(),
  };
}
