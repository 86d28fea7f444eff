import type { Client } from '@temporalio/client';
import type { Pool } from '../stores/postgres/pool.js';

export type Readiness = { ready: boolean; checks: Record<string, 'up' | 'down'> };

/** Ready when Temporal answers and the database runs a query, each within `timeoutMs`. */
export function readinessCheck(deps: { client: Client; pool: Pool; timeoutMs?: number }): () => Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  const within = <T>(work: () => Promise<T>) =>
    Promise.race([work(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs).unref())]).then(
      () => 'up' as const,
      () => 'down' as const,
    );
  return async () => {
    const [temporal, database] = await Promise.all([
      within(() => deps.client.withDeadline(Date.now() + timeoutMs, () => deps.client.workflowService.getSystemInfo({}))),
      within(() => deps.pool.query('SELECT 1')),
    ]);
    return { ready: temporal === 'up' && database === 'up', checks: { temporal, database } };
  };
}
