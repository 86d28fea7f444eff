/**
 * Webhook → sendText on real parts (Temporal dev server, PostgreSQL, the worker and webhook
 * as `npm start` wires them), with the model answering at once, against the n8n stack our
 * users run today (measured on the same 2-core machine: p50 35 ms, p99 60 ms, 38 replies/s).
 *
 *   npm run bench:pipeline [-- --latency 300 --chats 100 --per-chat 10]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { wahaWebhookHeaders } from '../src/webhook/hmac.js';
import { variant } from '../test/support/fixtures.js';
import { startOpenAiStandIn } from '../test/support/openai-standin.js';
import { createTestDatabase, ensurePostgresRunning } from '../test/support/postgres.js';
import { startTemporal } from '../test/support/stack.js';
import { startWahaStandIn } from '../test/support/waha-standin.js';
import { percentile, printTable, temporalCli } from './support.js';

const N8N = { p50: 35, p99: 60, repliesPerSecond: 38 };

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '300' },
    chats: { type: 'string', default: '100' },
    'per-chat': { type: 'string', default: '10' },
  },
});
const latencyMessages = Number(values.latency);
const chats = Number(values.chats);
const perChat = Number(values['per-chat']);

// chatmem runs as `npm start` runs it, in a process of its own; this process plays WAHA,
// OpenAI and the WhatsApp users.
await ensurePostgresRunning();
const temporal = await startTemporal(temporalCli());
const db = await createTestDatabase();
const openai = await startOpenAiStandIn();
const HMAC_KEY = 'bench-hmac-key';
const waha = await startWahaStandIn({ apiKey: 'bench-waha-key', hmacKey: HMAC_KEY });
const chatmem = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  env: {
    ...process.env,
    PORT: '0',
    TEMPORAL_ADDRESS: temporal.address,
    DATABASE_URL: db.url,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: openai.baseUrl,
    WAHA_URL: waha.url,
    WAHA_API_KEY: 'bench-waha-key',
    WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY,
    // The budget is for answering at once; debounce would add its window to every reply.
    DEBOUNCE_MS: '0',
    EMBEDDING_DIMENSIONS: '64',
    VECTOR_DATA_DIR: mkdtempSync(`${tmpdir()}/chatmem-bench-vectors-`),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// Keep reading its stdout for the whole run: a full pipe would stall its logging.
const webhookUrl = await new Promise<string>((resolve, reject) => {
  let seen = '';
  chatmem.stdout!.on('data', (chunk: Buffer) => {
    if (seen === null) return;
    seen += chunk.toString();
    const url = seen.match(/POST (http[^\s,]+)/)?.[1];
    if (url) resolve(url);
  });
  chatmem.once('exit', (code) => reject(new Error(`chatmem exited with ${code}`)));
});
waha.setWebhookUrl(webhookUrl);
async function post(event: unknown) {
  const raw = JSON.stringify(event);
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: wahaWebhookHeaders(HMAC_KEY, raw),
    body: raw,
  });
  await response.arrayBuffer();
  return { status: response.status };
}
const stack = { post };

const waiting = new Map<string, (at: number) => void>();
waha.onSent((call) => {
  const body = call.text.match(/^Re: (.*) \[/)?.[1];
  if (body) waiting.get(body)?.(performance.now());
});
const replied = (body: string) => new Promise<number>((resolve) => waiting.set(body, resolve));
const chatOf = (i: number) => `55219${String(3_000_000 + i).padStart(8, '0')}@c.us`;
let sequence = 0;
const message = (chat: string, body: string) => variant('private-text-incoming.json', { chat, waId: `BENCH${sequence++}`, body });

try {
  // Warm up: start the chat workflows and the worker's caches.
  await Promise.all(Array.from({ length: 20 }, (_, i) => {
    const body = `warm ${i}`;
    const done = replied(body);
    return stack.post(message(chatOf(i), body)).then(() => done);
  }));

  // Latency: one message at a time, so each number is the pipeline alone.
  const accepted: number[] = [];
  const endToEnd: number[] = [];
  for (let i = 0; i < latencyMessages; i++) {
    const body = `latency ${i}`;
    const done = replied(body);
    const start = performance.now();
    const answer = await stack.post(message(chatOf(i % 20), body));
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
    accepted.push(performance.now() - start);
    endToEnd.push((await done) - start);
  }
  accepted.sort((a, b) => a - b);
  endToEnd.sort((a, b) => a - b);

  // Throughput: many chats at once, posted by 32 concurrent senders as WAHA would.
  const bodies: string[] = [];
  for (let round = 0; round < perChat; round++) for (let c = 0; c < chats; c++) bodies.push(`load ${c} ${round}`);
  const all = Promise.all(bodies.map((body) => replied(body)));
  const start = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < bodies.length) {
      const index = next++;
      const body = bodies[index]!;
      const chat = chatOf(100 + Number(body.split(' ')[1]));
      const answer = await stack.post(message(chat, body));
      if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
    }
  }));
  const lastReply = Math.max(...(await all));
  const seconds = (lastReply - start) / 1000;
  const repliesPerSecond = bodies.length / seconds;

  printTable(`Latency, one message at a time (${latencyMessages} messages over 20 chats), ms`, ['measure', 'p50', 'p90', 'p99', 'max'], [
    ['webhook answered (202)', percentile(accepted, 50), percentile(accepted, 90), percentile(accepted, 99), accepted.at(-1)!],
    ['webhook → sendText', percentile(endToEnd, 50), percentile(endToEnd, 90), percentile(endToEnd, 99), endToEnd.at(-1)!],
  ]);
  printTable(`Throughput (${bodies.length} messages over ${chats} chats)`, ['measure', 'value'], [
    ['seconds to the last reply', seconds],
    ['replies per second', repliesPerSecond],
  ]);
  printTable('Against the n8n stack (same machine; ratio > 1 means chatmem is better)', ['measure', 'n8n', 'chatmem', 'ratio'], [
    ['p50 webhook → reply, ms', N8N.p50, percentile(endToEnd, 50), N8N.p50 / percentile(endToEnd, 50)],
    ['p99 webhook → reply, ms', N8N.p99, percentile(endToEnd, 99), N8N.p99 / percentile(endToEnd, 99)],
    ['replies per second', N8N.repliesPerSecond, repliesPerSecond, repliesPerSecond / N8N.repliesPerSecond],
  ]);
} finally {
  await waha.close();
  chatmem.kill('SIGINT');
  await once(chatmem, 'exit');
  await openai.close();
  await temporal.teardown();
  await db.drop();
}
