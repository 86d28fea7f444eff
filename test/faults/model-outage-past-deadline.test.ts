import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { retryUnansweredUpdate } from '../../src/workflows/chat-workflow.js';
import { variant } from '../support/fixtures.js';
import { faultReport, printFaultReport } from '../support/fault-report.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * The model down for longer than REPLY_DEADLINE: what came early in the outage is given up
 * on, visibly (chat state, inspect, metric), and never sent late; what came within the
 * deadline of the model's return is answered once; `chatmem retry` then answers the given-up
 * ones once. `npm test`: 30 s down, 20 s deadline, 10 chats; `--full`: 5 minutes, 2 minutes, 50 chats.
 */
const SIZE =
  process.env.FAULTS_SIZE === 'full' ? { outageMs: 5 * 60_000, deadlineMs: 2 * 60_000, chats: 50 } : { outageMs: 30_000, deadlineMs: 20_000, chats: 10 };

const stack = useTestStack({ env: { REPLY_DEADLINE: `${SIZE.deadlineMs}ms` } });

const chatOf = (i: number) => `55219555${String(i).padStart(5, '0')}@c.us`;
const unansweredMetric = async () =>
  Number(/chatmem_replies_unanswered_total\{reason="deadline"\} (\d+)/.exec(await (await fetch(stack.webhookUrl.replace('/webhooks/waha', '/metrics'))).text())?.[1] ?? 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the model down for longer than REPLY_DEADLINE', () => {
  it(`gives up on the early messages of ${SIZE.chats} chats, answers the recent ones once, and chatmem retry answers the rest once`, { timeout: SIZE.outageMs + 300_000 }, async () => {
    const chats = Array.from({ length: SIZE.chats }, (_, i) => chatOf(i));
    // Each chat: one message as the outage starts (far past the deadline when the model is
    // back) and one shortly before it ends (well within it, also when the open circuit makes
    // the first try after the model's return wait its 10 s).
    const early = chats.map((_, i) => `cedo demais ${i} fim`);
    const recent = chats.map((_, i) => `recente ${i} fim`);
    const deliver = (chat: string, waId: string, body: string) => stack.deliver(variant('private-text-incoming.json', { chat, waId, body }));
    const givenUpBefore = await unansweredMetric();

    stack.openai.down(503);
    const downAt = Date.now();
    for (const [i, chat] of chats.entries()) expect((await deliver(chat, `LATE-EARLY${i}`, early[i]!)).status).toBe(202);
    await sleep(SIZE.outageMs - SIZE.deadlineMs / 4 - (Date.now() - downAt));
    for (const [i, chat] of chats.entries()) expect((await deliver(chat, `LATE-RECENT${i}`, recent[i]!)).status).toBe(202);
    await sleep(Math.max(0, SIZE.outageMs - (Date.now() - downAt)));
    stack.openai.up();
    const back = Date.now();

    await vi.waitUntil(async () => (await faultReport(stack, recent, { waIdPrefix: 'LATE-RECENT' })).unanswered === 0, 120_000).catch(() => undefined);
    const drainMs = Date.now() - back;
    const states = await Promise.all(chats.map((chat) => stack.chatState('default', chat)));
    const recentReport = await faultReport(stack, recent, { waIdPrefix: 'LATE-RECENT' });
    const earlyReport = await faultReport(stack, early, { waIdPrefix: 'LATE-EARLY' });
    printFaultReport(`model down ${SIZE.outageMs / 1000} s, REPLY_DEADLINE ${SIZE.deadlineMs / 1000} s: the recent messages`, { ...recentReport, drainMs });
    printFaultReport('the same run: the early messages, given up on', { ...earlyReport, drainMs });

    expect(recentReport).toMatchObject({ stored: chats.length, answered: chats.length, sentTwice: 0, unanswered: 0, duplicateRows: 0, echoAnswered: 0 });
    // Past its deadline a reply is never sent, not even once the model is back.
    expect(earlyReport).toMatchObject({ stored: chats.length, answered: 0, duplicateRows: 0 });
    for (const state of states) {
      expect(state.unanswered).toBe(1);
      expect(state.lastUnanswered?.reason).toMatch(/REPLY_DEADLINE passed/);
    }
    expect(await unansweredMetric()).toBe(givenUpBefore + chats.length);
    expect((await stack.chatmem('inspect', chats[0]!)).output).toMatch(/unanswered: 1 \(chatmem retry .* answers them\); last: .*REPLY_DEADLINE passed/);

    // The operator's retry, once the cause is fixed: by the CLI for one chat, by the same update for the others.
    expect((await stack.chatmem('retry', chats[0]!)).code).toBe(0);
    await Promise.all(chats.slice(1).map((chat) => stack.client.workflow.getHandle(chatWorkflowId('default', chat)).executeUpdate(retryUnansweredUpdate)));
    await vi.waitUntil(async () => (await faultReport(stack, early, { waIdPrefix: 'LATE-EARLY' })).unanswered === 0, 120_000).catch(() => undefined);
    await sleep(3_000);
    const retried = await faultReport(stack, early, { waIdPrefix: 'LATE-EARLY' });
    printFaultReport('the early messages after chatmem retry', { ...retried, drainMs: 0 });
    expect(retried).toMatchObject({ answered: chats.length, sentTwice: 0, unanswered: 0, duplicateRows: 0 });
    expect((await faultReport(stack, recent, { waIdPrefix: 'LATE-RECENT' })).sentTwice).toBe(0);
    for (const chat of chats) expect((await stack.chatState('default', chat)).unanswered).toBe(0);
  });
});
