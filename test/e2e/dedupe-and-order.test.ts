import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { fixture, variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { messagesDelivered } from '../support/histories.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();


describe('deduplication', () => {
  it('one message delivered three times (twice at once, once later) is stored once and answered once', async () => {
    const event = variant('private-text-incoming-noweb.json', { waId: 'AAAA0001', body: 'entrega hoje?' });
    const first = await Promise.all([stack.post(event), stack.post(event)]);
    expect(first.map((answer) => answer.status)).toEqual([202, 202]);
    await vi.waitUntil(() => stack.repliesTo('entrega hoje?').length === 1, WAIT_MS);
    expect((await stack.post(event)).status).toBe(202);
    await stack.idle('5521966665555@c.us');

    expect(await stack.rows("SELECT role FROM messages WHERE wa_id = 'AAAA0001'")).toEqual([{ role: 'user' }]);
    expect(stack.repliesTo('entrega hoje?')).toHaveLength(1);
  });

  it('the same message as @c.us and as @lid, without a phone form to join them, is stored once and answered once', async () => {
    const asPhone = variant('private-text-incoming.json', { waId: 'TWIN0001', body: 'tem pão de queijo?' });
    const asLid = variant('private-text-incoming.json', { waId: 'TWIN0001', body: 'tem pão de queijo?', chat: '4455667788990011@lid' });
    // Two chat forms are two workflows here, so only the database can tell they are one message.
    const answers = await Promise.all([stack.post(asPhone), stack.post(asLid)]);
    expect(answers.map((answer) => answer.body.workflowId).sort()).toEqual(
      [chatWorkflowId('default', '4455667788990011@lid'), chatWorkflowId('default', '5521988887777@c.us')].sort(),
    );
    await vi.waitUntil(() => stack.repliesTo('tem pão de queijo?').length === 1, WAIT_MS);
    await stack.idle('5521988887777@c.us');
    await stack.idle('4455667788990011@lid');

    expect(await stack.rows("SELECT role FROM messages WHERE wa_id = 'TWIN0001'")).toEqual([{ role: 'user' }]);
    expect(stack.repliesTo('tem pão de queijo?')).toHaveLength(1);
  });

  it('the same message as @c.us and as @lid with the phone form known goes to one chat', async () => {
    const asPhone = variant('lid-sender.json', { waId: 'TWIN0002', body: 'e no Leblon?', chat: '5521944443333@c.us' });
    const asLid = variant('lid-sender.json', { waId: 'TWIN0002', body: 'e no Leblon?' });
    const answers = await Promise.all([stack.post(asLid), stack.post(asPhone)]);
    expect(new Set(answers.map((answer) => answer.body.workflowId))).toEqual(new Set([chatWorkflowId('default', '5521944443333@c.us')]));
    await vi.waitUntil(() => stack.repliesTo('e no Leblon?').length === 1, WAIT_MS);
    const state = await stack.idle('5521944443333@c.us');
    expect(state.duplicatesDropped).toBeGreaterThanOrEqual(1);
    expect(await stack.rows("SELECT role FROM messages WHERE wa_id = 'TWIN0002'")).toEqual([{ role: 'user' }]);
    expect(stack.repliesTo('e no Leblon?')).toHaveLength(1);
  });
});

describe('ordering and concurrency', () => {
  it('20 messages posted at once to one chat are stored and answered in arrival order', async () => {
    const chat = '5521911110000@c.us';
    const bodies = Array.from({ length: 20 }, (_, i) => `pergunta ${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(
      bodies.map((body, i) => stack.post(variant('private-text-incoming.json', { chat, waId: `ORDER${i}`, body }))),
    );
    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    await vi.waitUntil(() => bodies.every((body) => stack.repliesTo(body).length === 1), 60_000);

    // Arrival order is the order Temporal recorded them in: the message that started the chat, then the signals.
    const history = await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).fetchHistory();
    const arrival = messagesDelivered(history.events ?? [])
      .filter((message) => !message.fromMe) // the echoes of our replies arrive as signals too
      .map((message) => message.body);
    expect([...arrival].sort()).toEqual([...bodies].sort());

    const stored = await stack.rows<{ content: string }>(
      "SELECT m.content FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user' ORDER BY m.id",
      [chat],
    );
    expect(stored.map((row) => row.content)).toEqual(arrival);
    const answered = stack.waha.sent.filter((call) => call.chatId === chat).map((call) => call.text.match(/^Re: (.*) \[/)![1]);
    expect(answered).toEqual(arrival);

    // Each prompt saw the earlier questions and answers: the transcript was built in that order too.
    const lastPrompt = stack.openai.replyPrompts().filter((r) => r.messages.at(-1)?.content === arrival.at(-1)).at(-1)!;
    const userLines = lastPrompt.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(userLines).toEqual(arrival.slice(-userLines.length));
  });

  it('10 chats in parallel do not wait on each other', async () => {
    const chats = Array.from({ length: 10 }, (_, i) => `55219222200${String(i).padStart(2, '0')}@c.us`);
    // The model answers nothing for the first chat until released: the others must not care.
    const gate = stack.openai.hold((lastUser) => lastUser === 'sou o chat lento');
    await stack.post(variant('private-text-incoming.json', { chat: chats[0], waId: 'PAR0', body: 'sou o chat lento' }));
    await Promise.all(
      chats.slice(1).map((chat, i) => stack.post(variant('private-text-incoming.json', { chat, waId: `PAR${i + 1}`, body: `sou o chat ${i + 1}` }))),
    );
    await vi.waitUntil(() => chats.slice(1).every((chat) => stack.waha.sent.some((call) => call.chatId === chat)), WAIT_MS);
    expect(stack.waha.sent.some((call) => call.chatId === chats[0])).toBe(false);
    gate.release();
    await vi.waitUntil(() => stack.waha.sent.some((call) => call.chatId === chats[0]), WAIT_MS);
  });
});

describe('the echo of a reply sent to an @lid chat', () => {
  it('is stored once, as the reply in the person’s chat, even when it reaches another chat’s workflow first', async () => {
    const event = variant('lid-sender.json', { waId: 'LIDECHO1', body: 'vocês abrem domingo?' });
    // The reply goes to the @lid chat; WAHA's echo names that chat without the phone form, so it
    // lands in the @lid chat's workflow, and is stored there before our sendText call returns.
    stack.waha.echoBeforeAnswer(async (call) => {
      const waId = call.sentId.split('_')[2];
      await vi.waitUntil(async () => (await stack.rows('SELECT 1 FROM messages WHERE wa_id = $1', [waId])).length === 1, WAIT_MS);
    });
    try {
      expect((await stack.post(event)).status).toBe(202);
      const sent = await vi.waitUntil(() => stack.repliesTo('vocês abrem domingo?')[0], WAIT_MS);
      expect(sent.chatId).toBe('27182818284590@lid');
      const waId = sent.sentId.split('_')[2];
      await vi.waitUntil(async () => {
        const rows = await stack.rows('SELECT s.chat_id, m.in_reply_to FROM messages m JOIN sessions s ON s.id = m.session_id WHERE m.wa_id = $1', [waId]);
        return rows.length === 1 && rows[0].chat_id === '5521944443333@c.us' ? rows : undefined;
      }, WAIT_MS);
      const [reply] = await stack.rows('SELECT role, in_reply_to, content FROM messages WHERE wa_id = $1', [waId]);
      expect(reply).toEqual({ role: 'assistant', in_reply_to: event.payload.id, content: sent.text });
      expect(await stack.rows("SELECT 1 FROM sessions WHERE chat_id = '27182818284590@lid'")).toEqual([]);
      expect(stack.repliesTo('vocês abrem domingo?')).toHaveLength(1);
    } finally {
      stack.waha.echoBeforeAnswer(null);
    }
  });
});
