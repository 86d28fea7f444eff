import pg from 'pg';

export type Pool = pg.Pool;

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client that loses its connection must not take the process down; the next
  // query gets a fresh one and the activity retries.
  pool.on('error', () => undefined);
  return pool;
}
