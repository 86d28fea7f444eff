/**
 * The n8n stack our users run today, driven through its own scripts in ../shared/peers/n8n
 * (install, private PostgreSQL, setup, start, stop, and its load.mjs probes). Nothing of
 * it is copied here: this only runs it and reads the JSON its probes print.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PEER = process.env.N8N_PEER_DIR ?? fileURLToPath(new URL('../../shared/peers/n8n/', import.meta.url));
const PEER_DIR = process.env.PEER_DIR ?? '/tmp/n8n-peer';
// The peer's probes build their bodies from the shared WAHA fixtures beside it.
const FIXTURES = process.env.FIXTURES ?? fileURLToPath(new URL('../../shared/fixtures/waha/', import.meta.url));

export interface PeerLatency {
  replyMs: { p50: number; p95: number; p99: number };
  failures: { non2xx: number; noReplyIn30s: number };
}

export interface PeerThroughput {
  repliesPerS: number;
  missingAfterDrain: number;
  duplicateReplies: number;
  webhookFailures: number;
  postToReplyMs: { p50: number; p95: number };
  rssAfter: { totalRssMiB: number };
}

function run(script: string, args: string[] = [], env: Record<string, string> = {}): string {
  const [command, commandArgs] = script.endsWith('.mjs') ? [process.execPath, [`${PEER}${script}`, ...args]] : [`${PEER}${script}`, args];
  const result = spawnSync(command, commandArgs, { env: { ...process.env, PEER_DIR, FIXTURES, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`n8n peer: ${script} ${args.join(' ')} failed (${result.error?.message ?? result.status}):\n${result.stderr?.slice(-2000)}`);
  return result.stdout;
}

export const n8nPeer = {
  where: PEER,
  /** Installs n8n and its private PostgreSQL the first time, as the peer's README says. */
  prepare(): void {
    if (!existsSync(PEER)) throw new Error(`--peer n8n needs the peer folder at ${PEER} (set N8N_PEER_DIR)`);
    if (!existsSync(`${PEER_DIR}/app/node_modules/.bin/n8n`)) {
      console.error('n8n peer: installing n8n (about 3 minutes)…');
      run('install.sh');
    }
    if (!/server is running/.test(run('pg.sh', ['status']))) run('pg.sh', ['start']);
    if (!existsSync(`${PEER_DIR}/setup.log`)) run('setup.sh');
  },
  /** Clean state as run-all.sh makes it, then n8n and its stand-ins with the LLM answering after `delayMs`. */
  start(delayMs: number): void {
    run('stop.sh');
    run('pg.sh', ['psql', '-d', 'botmem', '-qc', 'drop table if exists n8n_chat_histories']);
    run('pg.sh', ['psql', '-d', 'n8n', '-qc', 'delete from execution_entity']);
    run('start.sh', [], { DELAY_MS: String(delayMs) });
    // As run-all.sh does: let n8n settle after its start.
    execFileSync('sleep', ['10']);
  },
  stop(): void {
    run('stop.sh');
  },
  latency(messages: number): PeerLatency {
    return JSON.parse(run('load.mjs', ['latency', `--messages=${messages}`])) as PeerLatency;
  },
  throughput(options: { messages: number; chats: number; concurrency: number; drainS: number }): PeerThroughput {
    return JSON.parse(
      run('load.mjs', ['throughput', `--messages=${options.messages}`, `--chats=${options.chats}`, `--concurrency=${options.concurrency}`, `--drainS=${options.drainS}`]),
    ) as PeerThroughput;
  },
};
