import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { devServerArgs } from '../temporal/dev-server-args.js';

/**
 * Runs the server and stops it once the shell's stdin closes: when chatmem asks, and
 * equally when chatmem dies in any way, even by SIGKILL, because the pipe closes with it.
 * So no server outlives chatmem, holding the port and the data. (Background jobs get
 * /dev/null as stdin unless told otherwise, hence fd 3.)
 */
const WATCHDOG = `exec 3<&0
"$@" </dev/null & server=$!
( cat <&3 >/dev/null; kill -TERM $server 2>/dev/null ) &
wait $server`;

export interface EmbeddedTemporal {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * A Temporal dev server as a child process, its state in `<dataDir>/temporal.sqlite` so
 * chats survive restarts; resolves once it accepts connections.
 */
export async function startEmbeddedTemporal(options: { cli: string; dataDir: string; port: number; uiPort: number }): Promise<EmbeddedTemporal> {
  mkdirSync(options.dataDir, { recursive: true });
  const address = `127.0.0.1:${options.port}`;
  // Otherwise a server already there (say, left over from a chatmem that was killed) would
  // answer in place of ours, with other data.
  if (await portTaken(options.port)) {
    throw new Error(
      `port ${options.port} is taken, so chatmem cannot start its Temporal dev server there: stop what holds it, ` +
        `set TEMPORAL_DEV_PORT to another port, or set TEMPORAL_ADDRESS=${address} to use the server that is there`,
    );
  }
  const child = spawn(
    'sh',
    [
      '-c', WATCHDOG, 'temporal-watchdog',
      options.cli,
      'server', 'start-dev',
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
      '--db-filename', resolve(options.dataDir, 'temporal.sqlite'),
      // A write-ahead log: each commit appends to it (still synced) instead of rewriting a rollback
      // journal and the database (zero-config sequential p50 46–51 vs 59–65 ms in bench:pipeline).
      '--sqlite-pragma', 'journal_mode=wal',
      '--log-level', 'error',
      ...devServerArgs(),
    ],
    // Its own process group: Ctrl-C reaches chatmem, which stops the server after the worker drained.
    { stdio: ['pipe', 'ignore', 'pipe'], detached: true },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const stop = () => child.stdin.end();

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (${child.exitCode}): ${stderr.trim()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        stop();
        throw new Error(`the Temporal dev server did not come up on ${address} within 60 s: ${String(error)} ${stderr.trim()}`);
      }
      await new Promise((wait) => setTimeout(wait, 250));
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${options.uiPort}`,
    async stop() {
      if (child.exitCode !== null) return;
      stop();
      await exited;
    },
  };
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
