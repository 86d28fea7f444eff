import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variant } from '../support/fixtures.js';
import { drainAndReport } from '../support/fault-report.js';
import { startTestStack, type Stack } from '../support/test-stack.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * The Temporal server stopped and started again (its state in a file, as `npm start`'s
 * server keeps it) while WAHA delivers a load to a worker process: deliveries that reach
 * a webhook without Temporal get 503 and WAHA's retry; the worker reconnects by itself;
 * every message is stored once and answered once. `npm test`: 2 restarts of 3 s during 60
 * messages over 20 chats; `--full`: 3 restarts of 10 s during 300 messages over 50 chats.
 */
const SIZE = process.env.FAULTS_SIZE === 'full' ? { restarts: 3, downMs: 10_000, messages: 300, chats: 50 } : { restarts: 2, downMs: 3_000, messages: 60, chats: 20 };
/** Time between restarts, so that messages arrive before, during and after each. */
const BETWEEN_MS = 8_000;

let stack: Stack;
let worker: WorkerProcess | null = null;
beforeAll(async () => {
  stack = await startTestStack({ externalWorker: true, restartableTemporal: true });
});
afterAll(async () => {
  await worker?.kill();
  await stack?.stop();
});

describe('the Temporal server restarted during a load', () => {
  it(`answers each of ${SIZE.messages} messages over ${SIZE.chats} chats once through ${SIZE.restarts} restarts`, { timeout: 300_000 + SIZE.restarts * (SIZE.downMs + BETWEEN_MS) * 2 }, async () => {
    const bodies = Array.from({ length: SIZE.messages }, (_, i) => `pedido ${i} fim`);
    const chatOf = (i: number) => `55219444${String(i % SIZE.chats).padStart(5, '0')}@c.us`;
    worker = await startWorkerProcess(stack.env);

    const loadMs = (SIZE.restarts + 1) * (BETWEEN_MS + SIZE.downMs);
    const started = Date.now();
    const load = Promise.all(
      bodies.map(async (body, i) => {
        await sleep((i * loadMs) / bodies.length);
        return stack.deliver(variant('private-text-incoming.json', { chat: chatOf(i), waId: `TRS${i}`, body }));
      }),
    );
    for (let restart = 0; restart < SIZE.restarts; restart++) {
      await sleep(BETWEEN_MS);
      await stack.restartTemporal(SIZE.downMs);
    }
    const deliveries = await load;
    const lastPost = Date.now();
    const title = `Temporal restarted ${SIZE.restarts}× for ${SIZE.downMs / 1000} s (${((lastPost - started) / 1000).toFixed(0)} s of load)`;
    const report = await drainAndReport(stack, bodies, { waIdPrefix: 'TRS', title, since: lastPost });
    // WAHA's retries got every delivery through; the worker process lived through it all.
    expect(deliveries.filter((answer) => answer.status !== 202)).toEqual([]);
    expect(worker.child.exitCode).toBeNull();
    expect(report).toMatchObject({ stored: SIZE.messages, answered: SIZE.messages, sentTwice: 0, unanswered: 0, duplicateRows: 0, echoAnswered: 0 });
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
