import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variant } from '../support/fixtures.js';
import { startTestStack, type Stack } from '../support/test-stack.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';
import { drainAndReport } from '../support/fault-report.js';

/**
 * kill -9 of the worker process, again and again, while WAHA delivers a load: nothing is
 * lost, stored twice or sent twice. Half the kills land at a random moment, half just as a
 * reply reaches WAHA, before its answer comes back (the send whose outcome is never recorded).
 * `npm test` runs the short form; `npm run test:faults -- --full` the long one.
 */
const SIZE = process.env.FAULTS_SIZE === 'full' ? { kills: 20, messages: 1000, chats: 50 } : { kills: 5, messages: 200, chats: 50 };
/** Roughly how long a worker takes to start here: messages are spread so that every worker gets some. */
const WORKER_LIFETIME_MS = 14_000;
/** WAHA takes this long to answer a sendText after it sent the message: the window a kill aims at. */
const WAHA_ANSWER_MS = 150;

let stack: Stack;
let worker: WorkerProcess | null = null;
beforeAll(async () => {
  stack = await startTestStack({ externalWorker: true });
  stack.waha.echoBeforeAnswer(() => new Promise((resolve) => setTimeout(resolve, WAHA_ANSWER_MS)));
});
afterAll(async () => {
  await worker?.kill();
  await stack?.stop();
});

describe('the worker killed with SIGKILL during a load', () => {
  it(`answers each of ${SIZE.messages} messages over ${SIZE.chats} chats exactly once through ${SIZE.kills} kills`, { timeout: SIZE.kills * 60_000 + 180_000 }, async () => {
    const bodies = Array.from({ length: SIZE.messages }, (_, i) => `pedido ${i} fim`);
    const chatOf = (i: number) => `55219777${String(i % SIZE.chats).padStart(5, '0')}@c.us`;
    worker = await startWorkerProcess(stack.env);

    const interval = (SIZE.kills * WORKER_LIFETIME_MS) / SIZE.messages;
    const started = Date.now();
    const load = Promise.all(
      bodies.map(async (body, i) => {
        await sleep(i * interval);
        return stack.deliver(variant('private-text-incoming.json', { chat: chatOf(i), waId: `KILL${i}`, body }));
      }),
    );

    for (let kill = 0; kill < SIZE.kills; kill++) {
      if (kill % 2 === 0) await sleep(500 + Math.random() * 2500);
      else await nextSend(5_000);
      await worker.kill();
      worker = await startWorkerProcess(stack.env);
    }
    const deliveries = await load;
    const lastPost = Date.now();
    const title = `worker SIGKILLed ${SIZE.kills}× (${((lastPost - started) / 1000).toFixed(0)} s of load)`;
    const report = await drainAndReport(stack, bodies, { waIdPrefix: 'KILL', title, since: lastPost });
    expect(deliveries.filter((answer) => answer.status !== 202)).toEqual([]);
    expect(report).toMatchObject({ stored: SIZE.messages, answered: SIZE.messages, sentTwice: 0, unanswered: 0, duplicateRows: 0, echoAnswered: 0 });
  });
});

function nextSend(timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    stack.waha.onSent(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
