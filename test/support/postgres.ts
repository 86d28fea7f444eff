import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/stores/sql/database.js';
import { migrate } from '../../src/stores/sql/migrate.js';
import { openPostgresDatabase } from '../../src/stores/sql/postgres-database.js';

/** The server tests use: DATABASE_URL, else the machine's PostgreSQL on 127.0.0.1:5432. */
export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function canConnect(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Starts the local cluster when it is down and no DATABASE_URL points elsewhere. */
export async function ensurePostgresRunning(): Promise<void> {
  if (await canConnect()) return;
  if (!process.env.DATABASE_URL) {
    const versions = execFileSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).trim().split('\n');
    for (const version of versions) {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    }
  }
  for (let attempt = 0; attempt < 30; attempt++) {
    if (await canConnect()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`PostgreSQL is not reachable at ${ADMIN_URL}`);
}

export interface TestDatabase {
  url: string;
  pool: Database;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own, so test files never see each other's rows. */
export async function createTestDatabase(adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `chatmem_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = openPostgresDatabase(url.toString());
  await migrate(pool);
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
