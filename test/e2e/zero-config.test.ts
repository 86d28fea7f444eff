import { mkdtempSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import { bareEnv, runCommand, runEntry } from '../support/child-process.js';
import { WAIT_MS } from '../support/http.js';

// `npm start` with nothing configured uses these; the test needs them free, like a new user's machine.
const DEFAULT_PORTS = { webhook: 8080, temporal: 7233, ui: 8233, waha: 3000 };

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

const dataDir = mkdtempSync(`${tmpdir()}/chatmem-zero-config-`);
// Only where the data goes differs from a fresh clone's `npm start`, so the developer's .data/ is untouched.
const env = bareEnv({ CHATMEM_DATA_DIR: dataDir });
const started: ReturnType<typeof runEntry>[] = [];
// chatmem ends by itself within SHUTDOWN_TIMEOUT (20 s) plus 10 s for the SDK, even when a drain hangs.
const STOP_WITHIN_MS = 45_000;

/** The README's run command, exactly. */
function startChatmem() {
  const chatmem = runCommand('npm', ['start'], env);
  started.push(chatmem);
  return chatmem;
}

/** The simulator, typing `text` as a WhatsApp user; resolves with the bot's reply. */
async function chat(text: string): Promise<string> {
  const simulator = runEntry('src/simulator/chat.ts', ['--from', '5511977776666', '--name', 'Ana'], bareEnv());
  started.push(simulator);
  simulator.child.stdin.end(`${text}\n`);
  const [, reply] = await simulator.waitForLine(/^bot> (.*)$/);
  expect(await simulator.exited).toBe(0);
  return reply!;
}

afterAll(async () => {
  for (const running of started.reverse()) await running.interrupt();
});

describe('npm start with nothing configured', () => {
  it('brings up Temporal, PGlite, the offline model and the local embedding model; the simulator gets a reply; Ctrl-C stops it all and a restart keeps the chat', async () => {
    for (const [name, port] of Object.entries(DEFAULT_PORTS)) {
      expect(await portOpen(port), `port ${port} (${name}) must be free for this test`).toBe(false);
    }

    const first = startChatmem();
    const [, webhookUrl] = await first.waitForLine(/up\. WAHA webhook: POST (\S+)/, 90_000);
    expect(webhookUrl).toBe(`http://127.0.0.1:${DEFAULT_PORTS.webhook}/webhooks/waha`);
    const [, uiUrl] = await first.waitForLine(/Temporal Web UI: (http\S+),/);
    await first.waitForLine(new RegExp(`data folder: ${dataDir} \\(short-term memory: pglite:`));
    await first.waitForLine(/offline mode/);
    // Memory is a real embedding model, in the process: no hashed words, nothing leaves the machine.
    await first.waitForLine(/embeddings: all-MiniLM-L6-v2-int8 in this process \(384 dimensions; nothing leaves the machine\)/);
    expect((await fetch(uiUrl!)).status).toBe(200);
    // The Temporal server's database writes ahead to a log (faster commits, as durable).
    expect(readdirSync(dataDir)).toContain('temporal.sqlite-wal');
    expect(await (await fetch(webhookUrl!.replace('/webhooks/waha', '/readyz'))).json()).toEqual({ ready: true, checks: { temporal: 'up', database: 'up' } });

    const firstReply = await chat('hello, my name is Ana');
    expect(firstReply).toMatch(/^Re: hello, my name is Ana \[(\d+) msgs/);
    // The simulator's WAHA posted the reply's echo back: the webhook knows it as chatmem's own, so it never reaches the chat.
    const metricsUrl = webhookUrl!.replace('/webhooks/waha', '/metrics');
    await vi.waitUntil(async () => (await (await fetch(metricsUrl)).text()).includes('chatmem_webhook_requests_total{outcome="own_echo"} 1'), WAIT_MS);
    const connection = await Connection.connect({ address: `127.0.0.1:${DEFAULT_PORTS.temporal}` });
    // The webhook knows the reply's id as soon as WAHA answers; the chat counts the reply once its step has ended.
    const state = await vi.waitUntil(async () => {
      const view = await new Client({ connection }).workflow.getHandle(chatWorkflowId('default', '5511977776666@c.us')).query(stateQuery);
      return view.repliesSent === 1 ? view : undefined;
    }, WAIT_MS);
    expect(state).toMatchObject({ messagesSeen: 1, repliesSent: 1, queueLength: 0, duplicatesDropped: 0 });
    await connection.close();

    // Ctrl-C: npm ends by the signal; chatmem drains, stops its Temporal server and says so.
    await first.interrupt(STOP_WITHIN_MS);
    expect(first.lines, first.lines.join('\n')).toContain('chatmem: stopped; all data is kept');
    // The embedded Temporal server went with it.
    expect(await portOpen(DEFAULT_PORTS.temporal)).toBe(false);
    // The data folder is the state: PGlite, and the Temporal server's database (with its write-ahead log's files).
    expect(readdirSync(dataDir).filter((name) => !/^temporal\.sqlite-(wal|shm)$/.test(name)).sort()).toEqual(['pglite', 'temporal.sqlite']);

    // Restarted on the same folder, the chat goes on: the prompt now carries the earlier turn.
    const second = startChatmem();
    await second.waitForLine(/up\. WAHA webhook/, 90_000);
    const secondReply = await chat('do you remember me?');
    const promptMessages = (reply: string) => Number(reply.match(/\[(\d+) msgs/)![1]);
    expect(promptMessages(secondReply)).toBeGreaterThan(promptMessages(firstReply));
    await second.interrupt(STOP_WITHIN_MS);
    expect(second.lines, second.lines.join('\n')).toContain('chatmem: stopped; all data is kept');

    // Killed outright, chatmem cannot stop its Temporal server; the server stops by itself,
    // so the next start finds the port free.
    const third = startChatmem();
    await third.waitForLine(/up\. WAHA webhook/, 90_000);
    await third.kill();
    await vi.waitUntil(async () => !(await portOpen(DEFAULT_PORTS.temporal)), 15_000);
  }, 300_000);
});
