/**
 * The n8n stack our users run today, driven through its own scripts in ../shared/peers/n8n
 * (install, private PostgreSQL, setup, start, stop, and its load.mjs probes). Nothing of
 * it is copied here: this only runs it and reads the JSON its probes print.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * One of the peer's scripts, its stdout when it succeeds. Asynchronous, so the stand-ins in
 * the bench's process go on answering chatmem (its learning, its keep-alive connections)
 * while n8n is measured.
 */
async function run(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const [command, commandArgs] = script.endsWith('.mjs') ? [process.execPath, [`${PEER}${script}`, ...args]] : [`${PEER}${script}`, args];
  const child = spawn(command, commandArgs, { env: { ...process.env, PEER_DIR, FIXTURES, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (status !== 0) throw new Error(`n8n peer: ${script} ${args.join(' ')} failed (${status}):\n${stderr}`);
  return stdout;
}

export const n8nPeer = {
  where: PEER,
  /** Installs n8n and its private PostgreSQL the first time, as the peer's README says. */
  async prepare(): Promise<void> {
    if (!existsSync(PEER)) throw new Error(`--peer n8n needs the peer folder at ${PEER} (set N8N_PEER_DIR)`);
    if (!existsSync(`${PEER_DIR}/app/node_modules/.bin/n8n`)) {
      console.error('n8n peer: installing n8n (about 3 minutes)…');
      await run('install.sh');
    }
    if (!/server is running/.test(await run('pg.sh', ['status']))) await run('pg.sh', ['start']);
    if (!existsSync(`${PEER_DIR}/setup.log`)) await run('setup.sh');
  },
  /** Clean state as run-all.sh makes it, then n8n and its stand-ins with the LLM answering after `delayMs`. */
  async start(delayMs: number): Promise<void> {
    await run('stop.sh');
    await run('pg.sh', ['psql', '-d', 'botmem', '-qc', 'drop table if exists n8n_chat_histories']);
    await run('pg.sh', ['psql', '-d', 'n8n', '-qc', 'delete from execution_entity']);
    await run('start.sh', [], { DELAY_MS: String(delayMs) });
    // As run-all.sh does: let n8n settle after its start.
    await sleep(10_000);
  },
  async stop(): Promise<void> {
    await run('stop.sh');
  },
  async latency(messages: number): Promise<PeerLatency> {
    return JSON.parse(await run('load.mjs', ['latency', `--messages=${messages}`])) as PeerLatency;
  },
  async throughput(options: { messages: number; chats: number; concurrency: number; drainS: number }): Promise<PeerThroughput> {
    return JSON.parse(
      await run('load.mjs', ['throughput', `--messages=${options.messages}`, `--chats=${options.chats}`, `--concurrency=${options.concurrency}`, `--drainS=${options.drainS}`]),
    ) as PeerThroughput;
  },
};
