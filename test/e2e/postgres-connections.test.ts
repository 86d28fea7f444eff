import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/dependencies.js';
import type { Database } from '../../src/stores/sql/database.js';
import { ADMIN_URL, createTestDatabase, ensurePostgresRunning, type TestDatabase } from '../support/postgres.js';

let db: TestDatabase;
beforeAll(async () => {
  await ensurePostgresRunning();
  db = await createTestDatabase();
});
afterAll(async () => db?.drop());

/** The server process behind the connection a query is given. */
async function backendOf(database: Database): Promise<number> {
  const { rows } = await database.query('SELECT pg_backend_pid() AS pid');
  return Number(rows[0].pid);
}

/** Whether PostgreSQL still has that connection open, asked over one of the test's own. */
async function isOpen(pid: number): Promise<boolean> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('connections to DATABASE_URL', () => {
  it('stay open across a quiet spell longer than pg’s own 10 s, so the message after it finds one ready', async () => {
    const database = await openDatabase(loadConfig({ DATABASE_URL: db.url }));
    try {
      const pid = await backendOf(database);
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      expect(await isOpen(pid)).toBe(true);
      expect(await backendOf(database)).toBe(pid);
    } finally {
      await database.close();
    }
  }, 30_000);

  it('are closed once idle for DATABASE_IDLE_TIMEOUT, giving their slot back to the server', async () => {
    const database = await openDatabase(loadConfig({ DATABASE_URL: db.url, DATABASE_IDLE_TIMEOUT: '1s' }));
    try {
      const pid = await backendOf(database);
      expect(await isOpen(pid)).toBe(true);
      await vi.waitFor(async () => expect(await isOpen(pid)).toBe(false), { timeout: 5_000, interval: 200 });
      expect(await backendOf(database)).not.toBe(pid);
    } finally {
      await database.close();
    }
  });
});
