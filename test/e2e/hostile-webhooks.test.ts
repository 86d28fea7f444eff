import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inspectChat } from '../../src/cli/operator-commands.js';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { WEBHOOK_PATH } from '../../src/domain/webhook-contract.js';
import type { InboundMessage } from '../../src/domain/inbound-message.js';
import { WHATSAPP_MAX_TEXT_CHARS } from '../../src/domain/safe-text.js';
import { interpretWahaEvent } from '../../src/domain/waha-event.js';
import { createWebhookApp } from '../../src/webhook/app.js';
import { createTemporalSignaler, DeliveryRefused } from '../../src/webhook/chat-signaler.js';
import { close, listen } from '../../src/webhook/server.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import { variant } from '../support/fixtures.js';
import { poisonedFixtures } from '../support/hostile-bodies.js';
import { postWebhook, WAIT_MS } from '../support/http.js';
import { messageOf } from '../support/inbound.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

// One hostile body must never block its chat, stall the worker, or be answered with 503
// (which makes WAHA send it again and again). Each case ends with the chat's next message answered.

/** For each message fixture, the fixture whose chat it lands in and which the bot answers there. */
const NEXT_MESSAGE: Record<string, string> = {
  'private-text-incoming.json': 'private-text-incoming.json',
  'private-fromme-app.json': 'private-text-incoming.json',
  'private-fromme-echo.json': 'private-text-incoming.json',
  'reply-quoted.json': 'private-text-incoming.json',
  'private-text-incoming-webjs.json': 'private-text-incoming-webjs.json',
  'media-image-caption.json': 'private-text-incoming-webjs.json',
  'private-text-incoming-noweb.json': 'private-text-incoming-noweb.json',
  'lid-sender.json': 'lid-sender.json',
  'group-text.json': 'group-mention.json',
  'group-mention.json': 'group-mention.json',
};

let stack: Stack;
let nextId = 0;
beforeAll(async () => {
  stack = await startTestStack({
    // Bursts of variants get one answer each; a message typed on the bot's phone pauses nobody.
    env: { DEBOUNCE_MS: '300', TAKEOVER_PAUSE: '0', WAHA_WEBHOOK_HMAC_KEY: 'hostile-test-hmac' },
  });
});
afterAll(async () => stack?.stop());

/** Posts a new, clean message to the chat of `fixture` and waits for the bot's answer to it. */
async function nextMessageIsAnswered(fixture: string): Promise<void> {
  nextId += 1;
  const text = `still answered ${nextId}`;
  const event = variant(fixture, { waId: `NEXT${String(nextId).padStart(4, '0')}${'0'.repeat(16)}`, body: fixture.startsWith('group') ? `@5521900000001 ${text}` : text });
  expect((await stack.post(event)).status, fixture).toBe(202);
  // The flood's own replies come first, then, in a chat the flood took past its summary
  // limit, a summary and the learning batch already running (the rest of the flood is
  // learned by the next run, behind its replies).
  await stack.replyTo(text, 90_000);
}

async function settled(workflowIds: Iterable<string>): Promise<void> {
  await vi.waitUntil(async () => {
    const states = await Promise.all([...workflowIds].map((id) => stack.client.workflow.getHandle(id).query(stateQuery)));
    return states.every((state) => state.queueLength === 0) || undefined;
  }, 240_000);
}

// Each case waits for replies from a stack that other test files load too.
describe('hostile webhook bodies', { timeout: 180_000 }, () => {
  // 790 bodies, most of them stored and answered: minutes on a busy 2-core machine.
  it('a NUL or a lone surrogate in any string field of any fixture: never a 5xx, nothing lost, every chat still answers', { timeout: 300_000 }, async () => {
    const refusedOrFailed: string[] = [];
    const accepted = new Map<string, InboundMessage>();
    const chats = new Set<string>();
    const bodies = [...poisonedFixtures()];
    // A few deliveries at a time, as WAHA makes them.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let next = bodies.shift(); next; next = bodies.shift()) {
          const answer = await stack.post(next.body);
          if (answer.status === 202) {
            chats.add(answer.body.workflowId);
            const outcome = interpretWahaEvent(next.body);
            // An edit or deletion changes a message rather than adding one: it is no row of its own.
            if (outcome.kind === 'message' && !outcome.message.change) accepted.set(next.label, outcome.message);
          } else if (![200, 400].includes(answer.status)) refusedOrFailed.push(`${next.label}: ${answer.status}`);
        }
      }),
    );
    expect(refusedOrFailed).toEqual([]);
    expect(accepted.size).toBeGreaterThan(300);

    await settled(chats);
    // Every accepted variant is stored, once; none was refused by the database.
    const states = await Promise.all([...chats].map((id) => stack.client.workflow.getHandle(id).query(stateQuery)));
    expect(states.reduce((sum, state) => sum + state.rejected, 0)).toBe(0);
    const stored = await stack.rows<{ key: string; n: number }>("SELECT waha_session || ' ' || from_me || ' ' || wa_id AS key, count(*)::int AS n FROM messages GROUP BY 1");
    const storedKeys = new Map(stored.map((row) => [row.key, row.n]));
    const lost = [...accepted].filter(([, message]) => storedKeys.get(`${message.session} ${message.fromMe} ${message.waId}`) !== 1).map(([label]) => label);
    expect(lost).toEqual([]);

    for (const fixture of new Set(Object.values(NEXT_MESSAGE))) await nextMessageIsAnswered(fixture);
  });

  it('a 1 MB body of one character is stored cut to MAX_MESSAGE_CHARS_STORED with a marker, answered, and the chat goes on', async () => {
    const huge = variant('private-text-incoming-webjs.json', { waId: 'HUGEBODY0001', body: 'x'.repeat(1024 * 1024) });
    expect((await stack.post(huge)).status).toBe(202);
    await vi.waitUntil(async () => (await stack.rows("SELECT 1 FROM messages WHERE wa_id = 'HUGEBODY0001'")).length > 0, WAIT_MS);
    const [row] = await stack.rows<{ content: string }>("SELECT content FROM messages WHERE wa_id = 'HUGEBODY0001'");
    expect(row!.content.startsWith('x'.repeat(WHATSAPP_MAX_TEXT_CHARS))).toBe(true);
    expect(row!.content.slice(WHATSAPP_MAX_TEXT_CHARS)).toBe(` [… ${(1024 * 1024 - WHATSAPP_MAX_TEXT_CHARS).toLocaleString('en-US')} more characters not kept]`);
    await vi.waitUntil(() => stack.waha.sent.some((call) => call.text.startsWith('Re: xxxxxxxx')), 60_000);
    await nextMessageIsAnswered('private-text-incoming-webjs.json');
  });

  it('a 100 KB id gets a 400 that names it, nothing is stored, and the chat goes on', async () => {
    const huge = '5'.repeat(100 * 1024);
    const changes: [string, (event: any) => void][] = [
      ['session', (event) => (event.session = huge)],
      ['payload.id', (event) => (event.payload.id = `false_${huge}@g.us_BIGID0001`)],
      ['payload.from', (event) => (event.payload.from = `${huge}@g.us`)],
      ['payload.participant', (event) => (event.payload.participant = `${huge}@c.us`)],
    ];
    const before = await stack.rows('SELECT count(*)::int AS n FROM messages');
    for (const [field, change] of changes) {
      const event = variant('group-mention.json', { waId: 'BIGID0001' });
      change(event);
      const answer = await stack.post(event);
      expect(answer.status, field).toBe(400);
      expect(answer.body.error, field).toContain(field);
    }
    expect(await stack.rows('SELECT count(*)::int AS n FROM messages')).toEqual(before);
    await nextMessageIsAnswered('group-mention.json');
  });

  it('a message the database refuses, past the door, is counted and shown with its reason, and the chat goes on', async () => {
    // As a worker whose webhook predates the guard would hand it over: NUL in the text.
    const poisoned = { ...messageOf(variant('private-text-incoming-noweb.json', { waId: 'POISONED0001', body: 'clean for now' })), body: 'nul \u0000 inside' };
    await createTemporalSignaler(stack.client, { taskQueue: stack.config.temporal.taskQueue }).deliver(poisoned);
    await nextMessageIsAnswered('private-text-incoming-noweb.json');

    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', poisoned.chatId));
    const state = await handle.query(stateQuery);
    expect(state.rejected).toBe(1);
    expect(state.lastRejection).toMatchObject({ messageId: poisoned.messageId, reason: expect.stringContaining('22021') });
    expect(await stack.rows("SELECT 1 FROM messages WHERE wa_id = 'POISONED0001'")).toEqual([]);

    const printed: string[] = [];
    await inspectChat({ client: stack.client, session: 'default', print: (line) => printed.push(line) }, { kind: 'contact', chatId: poisoned.chatId });
    expect(printed.join('\n')).toMatch(/rejected by the database \(not stored, not answered\): 1; last: false_5521966665555@c\.us_POISONED0001 .*22021/);
    const metrics = await (await fetch(stack.webhookUrl.replace('/webhooks/waha', '/metrics'))).text();
    expect(metrics).toMatch(/chatmem_messages_rejected_total\{code="22021"\} 1/);
    const { currentDetails } = (await handle.query('__temporal_workflow_metadata')) as { currentDetails: string };
    expect(currentDetails).toMatch(/\*\*Rejected by the database:\*\* 1 \(not stored, not answered\); last: false_5521966665555@c\.us_POISONED0001/);
  });

  it('what Temporal refuses for good is a 400 with Temporal’s reason, never a 503', async () => {
    const message = messageOf(variant('private-text-incoming.json', { waId: 'REFUSED0001' }));
    const signaler = createTemporalSignaler(stack.client, { taskQueue: stack.config.temporal.taskQueue });
    // Past the door's caps: a workflow id over Temporal's 1,000 bytes, a string that is not UTF-8.
    await expect(signaler.deliver({ ...message, session: 's'.repeat(2000) })).rejects.toBeInstanceOf(DeliveryRefused);
    await expect(signaler.deliver({ ...message, session: 'bad\ud800' })).rejects.toBeInstanceOf(DeliveryRefused);

    // The webhook in front of a signaler that oversteps the limit answers 400 with the reason.
    const oversized = { deliver: (message: InboundMessage) => signaler.deliver({ ...message, session: message.session.repeat(200) }) };
    const app = createWebhookApp({ signaler: oversized, hmacKey: null, bodyLimitBytes: 1024 * 1024, maxMessageChars: WHATSAPP_MAX_TEXT_CHARS });
    const { server, url } = await listen(app, 0);
    try {
      const answer = await postWebhook(`${url}${WEBHOOK_PATH}`, variant('private-text-incoming.json', { waId: 'REFUSED0002' }), null);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error).toMatch(/Temporal refused the message: .*WorkflowId/i);
    } finally {
      await close(server);
    }
  });
});
