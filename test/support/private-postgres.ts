import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { freePort } from './stack.js';

const BIN = `/usr/lib/postgresql/${execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).trim().split('\n').at(-1)}/bin`;

/**
 * A PostgreSQL cluster of a test's own (initdb into a temporary folder, its own port, trust
 * auth), so a test can stop and restart a database without touching the shared one.
 * PostgreSQL refuses to run as root: the cluster belongs to the `postgres` user.
 */
export async function startPrivatePostgres() {
  const dir = mkdtempSync(`${tmpdir()}/chatmem-pg-`);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const pgUser = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()) : null;
  if (pgUser !== null) {
    chownSync(dir, pgUser, pgUser);
    chmodSync(dir, 0o700);
  }
  // Not execFileSync: chatmem runs in the test's process and must keep working while the database restarts.
  const run = async (command: string, args: string[]) => {
    await promisify(execFile)(asRoot ? 'runuser' : `${BIN}/${command}`, asRoot ? ['-u', 'postgres', '--', `${BIN}/${command}`, ...args] : args);
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
