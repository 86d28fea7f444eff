import { describe, expect, it, vi } from 'vitest';
import { variant } from '../support/fixtures.js';
import { faultReport, printFaultReport } from '../support/fault-report.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * The model down (503 to every reply) while messages keep arriving, then back: every
 * message due in the outage is answered once after it, none is given up on (the outage is
 * shorter than REPLY_DEADLINE). `npm test`: 15 s, 20 chats; `--full`: 5 minutes, 50 chats.
 */
const SIZE = process.env.FAULTS_SIZE === 'full' ? { outageMs: 5 * 60_000, chats: 50 } : { outageMs: 15_000, chats: 20 };
const PER_CHAT = 2;

const stack = useTestStack({ env: { REPLY_DEADLINE: '15m' } });

describe('the model down for a while, then back', () => {
  it(`answers each message of ${SIZE.chats} chats once after a ${SIZE.outageMs / 1000} s outage`, { timeout: SIZE.outageMs + 300_000 }, async () => {
    const bodies = Array.from({ length: SIZE.chats * PER_CHAT }, (_, i) => `durante a queda ${i} fim`);
    stack.openai.down(503);
    const spacing = SIZE.outageMs / 2 / bodies.length;
    // Messages arrive through the first half of the outage, so some wait long and some briefly.
    for (const [i, body] of bodies.entries()) {
      const answer = await stack.deliver(variant('private-text-incoming.json', { chat: `55219888${String(i % SIZE.chats).padStart(5, '0')}@c.us`, waId: `OUT${i}`, body }));
      expect(answer.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, spacing));
    }
    await new Promise((resolve) => setTimeout(resolve, SIZE.outageMs / 2));
    stack.openai.up();
    const back = Date.now();
    await vi.waitUntil(async () => (await faultReport(stack, bodies, { waIdPrefix: 'OUT' })).unanswered === 0, 240_000).catch(() => undefined);
    const drainMs = Date.now() - back;
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const report = await faultReport(stack, bodies, { waIdPrefix: 'OUT' });
    printFaultReport(`model down ${SIZE.outageMs / 1000} s (drain counted from its return)`, { ...report, drainMs });
    expect(report).toMatchObject({ stored: bodies.length, answered: bodies.length, sentTwice: 0, unanswered: 0, duplicateRows: 0, echoAnswered: 0 });
  });
});
