/** What every SQL engine chatmem runs on offers: parameterized queries returning rows. */
export interface SqlClient {
  query<R = any>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** A session that can also run scripts of several statements (migrations). */
export interface SqlSession extends SqlClient {
  exec(script: string): Promise<unknown>;
}

/**
 * A database for short-term memory: a PostgreSQL server through `pg`, or PGlite in-process
 * when nothing is configured. Same SQL on both.
 */
export interface Database extends SqlSession {
  /** `postgres` or `pglite:<folder>`, for logs and the start banner. */
  readonly kind: string;
  /** Runs `work` in one transaction; rolls back when it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
