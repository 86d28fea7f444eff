import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { variant } from '../support/fixtures.js';
import { faultReport, printFaultReport } from '../support/fault-report.js';
import { WAIT_MS } from '../support/http.js';
import { startPrivatePostgres } from '../support/private-postgres.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

/**
 * The database restarted twice and stopped for a while during a load, on a private cluster
 * (never the shared one): every message stored once and answered once. `npm test`: 120
 * messages over 20 chats, a 10 s stop; `--full`: 600 over 50, a 30 s stop.
 */
const SIZE = process.env.FAULTS_SIZE === 'full' ? { messages: 600, chats: 50, stopMs: 30_000 } : { messages: 120, chats: 20, stopMs: 10_000 };

let postgres: Awaited<ReturnType<typeof startPrivatePostgres>>;
let stack: Stack;
beforeAll(async () => {
  postgres = await startPrivatePostgres();
  stack = await startTestStack({ adminUrl: postgres.adminUrl });
});
afterAll(async () => {
  await stack?.stop();
  await postgres?.destroy();
});

describe('PostgreSQL restarted and stopped during a load', () => {
  it(`answers each of ${SIZE.messages} messages once through two restarts and a ${SIZE.stopMs / 1000} s stop`, { timeout: 300_000 }, async () => {
    const bodies = Array.from({ length: SIZE.messages }, (_, i) => `com o banco fora ${i} fim`);
    const third = Math.floor(bodies.length / 3);
    const post = (from: number, to: number) =>
      Promise.all(bodies.slice(from, to).map((body, i) => stack.deliver(variant('private-text-incoming.json', { chat: `55219555${String((from + i) % SIZE.chats).padStart(5, '0')}@c.us`, waId: `PG${from + i}`, body }))));
    const started = Date.now();
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const first = post(0, third);
    await pause(1_000);
    await postgres.restart();
    const second = post(third, 2 * third);
    await pause(1_000);
    await postgres.restart();
    await pause(1_000);
    await postgres.stop();
    const last = post(2 * third, bodies.length);
    await pause(SIZE.stopMs);
    await postgres.start();
    const deliveries = (await Promise.all([first, second, last])).flat();
    const back = Date.now();
    await vi.waitUntil(async () => (await faultReport(stack, bodies, { waIdPrefix: 'PG' })).unanswered === 0, 180_000).catch(() => undefined);
    const drainMs = Date.now() - back;
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const report = await faultReport(stack, bodies, { waIdPrefix: 'PG' });
    printFaultReport(`PostgreSQL restarted 2×, stopped ${SIZE.stopMs / 1000} s (${((back - started) / 1000).toFixed(0)} s of load)`, { ...report, drainMs });
    expect(deliveries.filter((answer) => answer.status !== 202)).toEqual([]);
    expect(report).toMatchObject({ stored: bodies.length, answered: bodies.length, sentTwice: 0, unanswered: 0, duplicateRows: 0, echoAnswered: 0 });
  });
});
