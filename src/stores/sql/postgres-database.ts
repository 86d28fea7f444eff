import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Database } from './database.js';

export interface PostgresOptions {
  /** Connections in the pool. */
  max?: number;
  /** DATABASE_PREPARED_STATEMENTS: off for a pooler in transaction mode, which cannot keep a statement for a connection. */
  prepare?: boolean;
  /** DATABASE_IDLE_TIMEOUT: how long an idle connection is kept (0: for good). */
  idleTimeoutMs?: number;
}

/** DATABASE_IDLE_TIMEOUT's default: idle connections kept for minutes (see below). */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

/** A PostgreSQL server through a `pg` pool. */
export function openPostgresDatabase(connectionString: string, { max = 10, prepare = true, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS }: PostgresOptions = {}): Database {
  // pg closes a connection after 10 s idle: a bot whose messages come further apart than that
  // then opened a connection, and prepared its statements again, for nearly every one (in
  // bench:pipeline, a message 12 s after the reply before took 33 and 58 ms at the median,
  // against 22 and 26 kept). Kept for minutes, with TCP keepalive so that a NAT or firewall
  // does not drop it meanwhile.
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: idleTimeoutMs, keepAlive: true });
  const statement = prepare ? preparedStatement : (text: string, values?: unknown[]) => ({ text, values });
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
    query: async (sql, params) => pool.query(statement(sql, params)) as Promise<{ rows: any[] }>,
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
        const result = await work({ query: async (sql, params) => client.query(statement(sql, params)) as Promise<{ rows: any[] }>, exec: (script) => client.query(script) });
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

/** Statement texts given a name so far, and their names. */
const statementNames = new Map<string, string>();
/** chatmem's statements are a fixed set of texts; this bounds what an unforeseen one could add to each connection. */
const MAX_NAMED_STATEMENTS = 500;

/**
 * A parameterized statement, named after its text: `pg` prepares it once on each connection,
 * and PostgreSQL then skips parsing and planning it on every later call (its CPU per reply
 * fell from 5.0–5.5 to 3.0–3.3 ms in bench:pipeline). Past MAX_NAMED_STATEMENTS texts, the
 * rest run unnamed, parsed each time, as any statement without parameters does.
 */
function preparedStatement(text: string, values?: unknown[]): pg.QueryConfig {
  if (!values?.length) return { text, values };
  let name = statementNames.get(text);
  if (!name && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `chatmem_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name ? { name, text, values } : { text, values };
}
