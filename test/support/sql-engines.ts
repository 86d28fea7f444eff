import type { Database } from '../../src/stores/sql/database.js';
import { migrate } from '../../src/stores/sql/migrate.js';
import { openPgliteDatabase } from '../../src/stores/sql/pglite-database.js';
import { createTestDatabase } from './postgres.js';

/** A migrated, empty database of one engine, and how to drop it. */
export interface OpenedDatabase {
  db: Database;
  /** A connection string when the engine is PostgreSQL. */
  url: string | null;
  drop(): Promise<void>;
}

/** Short-term memory runs on PostgreSQL in production and on PGlite with nothing configured. */
export const SQL_ENGINES: { name: string; open: () => Promise<OpenedDatabase> }[] = [
  {
    name: 'PostgreSQL',
    open: async () => {
      const test = await createTestDatabase();
      return { db: test.pool, url: test.url, drop: test.drop };
    },
  },
  {
    name: 'PGlite',
    open: async () => {
      const db = await openPgliteDatabase(null);
      await migrate(db);
      return { db, url: null, drop: () => db.close() };
    },
  },
];
