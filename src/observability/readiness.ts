import type { SqlClient } from '../stores/sql/database.js';

export type Readiness = { ready: boolean; checks: Record<string, 'up' | 'down'> };

/**
 * Ready when Temporal answers and the database runs a query, each within `timeoutMs`.
 * Without a database (a webhook-only process beside a worker that owns PGlite) only
 * Temporal is checked.
 */
/** What both a client `Connection` and a worker's `NativeConnection` offer. */
export interface TemporalConnection {
  workflowService: { getSystemInfo(request: object): Promise<unknown> };
  withDeadline<R>(deadline: number, fn: () => Promise<R>): Promise<R>;
}

export function readinessCheck(deps: { temporal: TemporalConnection; database: SqlClient | null; timeoutMs?: number }): () => Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const within = <T>(work: () => Promise<T>) =>
    Promise.race([work(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref())]).then(
      () => 'up' as const,
      () => 'down' as const,
    );
  return async () => {
    const database = deps.database;
    const [temporal, db] = await Promise.all([
      within(() => deps.temporal.withDeadline(Date.now() + timeoutMs, () => deps.temporal.workflowService.getSystemInfo({}))),
      database ? within(() => database.query('SELECT 1')) : null,
    ]);
    const checks: Readiness['checks'] = db ? { temporal, database: db } : { temporal };
    return { ready: Object.values(checks).every((check) => check === 'up'), checks };
  };
}
