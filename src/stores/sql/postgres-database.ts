import pg from 'pg';
import type { Database } from './database.js';

/** A PostgreSQL server through a `pg` pool of `max` connections. */
export function openPostgresDatabase(connectionString: string, max = 10): Database {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client that loses its connection must not take the process down; the next
  // query gets a fresh one and the activity retries.
  pool.on('error', () => undefined);
  // A client can still hear from its server after the pool let go of it (released with an
  // error, its own listener gone): PostgreSQL's "terminating connection" (57P01) on restart
  // then had no listener and ended the process (seen once in CI's restart run). Every client
  // keeps a listener for its whole life; the failures still reach the query that met them.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    kind: 'postgres',
    query: async (sql, params) => pool.query(sql, params as unknown[]) as Promise<{ rows: any[] }>,
    // Without parameters `pg` uses the simple protocol, which runs several statements.
    exec: (script) => pool.query(script),
    async transaction(work) {
      const client = await pool.connect();
      // A checked-out client whose server goes away between two queries emits 'error'; with no
      // listener that would end the process (seen when PostgreSQL restarts mid-transaction).
      let lost: Error | undefined;
      const onLost = (error: Error) => void (lost = error);
      client.on('error', onLost);
      try {
        await client.query('BEGIN');
        const result = await work({ query: async (sql, params) => client.query(sql, params as unknown[]) as Promise<{ rows: any[] }>, exec: (script) => client.query(script) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        lost ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        client.off('error', onLost);
        // A client that failed is not handed out again: the pool drops it and opens a fresh one.
        client.release(lost);
      }
    },
    close: () => pool.end(),
  };
}
