import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { SUMMARY_PROMPT_MARKER } from '../../src/domain/summary.js';
import { fixture, variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { messagesDelivered } from '../support/histories.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack({ env: { SUMMARY_TOKEN_LIMIT: '1500', STM_WINDOW: '10', CONTEXT_TOKEN_BUDGET: '1500' } });

const CHAT = '5521988887777@c.us';
const post = (i: number, body: string, chat = CHAT) => stack.post(variant('private-text-incoming.json', { chat, waId: `MEM${chat.slice(0, 6)}${i}`, body }));
const filler = (i: number) => `mensagem ${i}: conferindo o pedido número ${i} e o horário da entrega`;

/** Posts messages from..to (inclusive) in groups that arrive together, and waits for every reply. */
async function converse(from: number, to: number, text: (i: number) => string, chat = CHAT) {
  for (let start = from; start <= to; start += 20) {
    const group = Array.from({ length: Math.min(20, to - start + 1) }, (_, k) => start + k);
    await Promise.all(group.map((i) => post(i, text(i), chat)));
  }
  await vi.waitUntil(() => Array.from({ length: to - from + 1 }, (_, k) => text(from + k)).every((body) => stack.repliesTo(body).length === 1), 240_000);
}

async function factsOf(ltmId: string): Promise<string[]> {
  const points = await stack.deps.ltm.store.list('user_knowledge', { ltmId });
  return points.map((point) => String(point.payload.fact)).sort();
}

describe('long-term memory across summaries', () => {
  it('a fact told at message 3 reaches the prompt at message 300, after several summaries and continue-as-new', { timeout: 300_000 }, async () => {
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', CHAT));
    await converse(1, 2, filler);
    const firstRun = (await handle.describe()).runId;
    await converse(3, 3, () => 'my name is Beatriz and my favorite color is blue.');
    // Both facts are learned now, so the later change must replace one, not add beside it.
    await vi.waitUntil(async () => (await factsOf(CHAT)).join() === 'favorite color: blue,name: beatriz', WAIT_MS);
    await converse(4, 150, filler);
    await converse(151, 151, () => 'by the way, my favorite color is now green.');
    await converse(152, 299, filler);
    await vi.waitUntil(async () => (await factsOf(CHAT)).includes('favorite color: green'), WAIT_MS);
    await converse(300, 300, () => 'what is my name, and what is my favorite color?');

    const summaries = await stack.rows<{ n: number }>('SELECT count(*)::int AS n FROM summaries');
    expect(summaries[0]!.n).toBeGreaterThanOrEqual(3);
    const state = await stack.chatState('default', CHAT);
    expect(state.summaries).toBeGreaterThanOrEqual(3);
    expect((await handle.describe()).runId).not.toBe(firstRun);

    const prompt = stack.openai.replyPrompts().filter((r) => r.messages.at(-1)?.content === 'what is my name, and what is my favorite color?').at(-1)!;
    const system = prompt.messages[0]!.content;
    expect(system).toContain('name: beatriz');
    expect(system).toContain('favorite color: green');
    expect(system).not.toContain('favorite color: blue');
    expect(system).toContain('Summary of the conversation so far');
    // The prompt stays bounded however long the chat grows.
    expect(prompt.messages.length).toBeLessThanOrEqual(1 + 10);
  });

  it('a changed fact replaces the old one in user_knowledge', async () => {
    expect(await factsOf(CHAT)).toEqual(['favorite color: green', 'name: beatriz']);
  });

  it('the bot’s own messages never reach the vector store', async () => {
    await stack.post(fixture('private-fromme-app.json'));
    await vi.waitUntil(async () => (await stack.rows("SELECT 1 FROM messages WHERE wa_id = '3A55AA66BB77CC88DD99'")).length === 1, WAIT_MS);
    await stack.idle(CHAT);
    const points = await stack.deps.ltm.store.list('longterm_memory', { chatId: CHAT });
    const userMessages = await stack.rows<{ waha_message_id: string }>(
      "SELECT m.waha_message_id FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user'",
      [CHAT],
    );
    await vi.waitUntil(async () => (await stack.deps.ltm.store.count('longterm_memory', { chatId: CHAT })) === userMessages.length, WAIT_MS);
    const embedded = new Set((await stack.deps.ltm.store.list('longterm_memory', { chatId: CHAT })).map((p) => String(p.payload.messageId)));
    expect(embedded).toEqual(new Set(userMessages.map((row) => row.waha_message_id)));
    expect(points.every((point) => point.payload.actorId !== '5521900000001@c.us')).toBe(true);
    expect(await stack.deps.ltm.store.count('user_knowledge', { ltmId: '5521900000001@c.us' })).toBe(0);
  });
});

describe('a burst while a summary is being made', () => {
  it('loses nothing, answers each message once, and keeps the order across continue-as-new', { timeout: 120_000 }, async () => {
    const chat = '5521933330000@c.us';
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chat));
    // Hold this chat's first summary until the burst has arrived.
    const gate = stack.openai.hold((_last, messages) => messages[0]!.content.includes(SUMMARY_PROMPT_MARKER) && messages[1]!.content.includes('antes da rajada'));
    const before = (i: number) => `antes da rajada ${i}: o pedido de pão de queijo e café para a festa`;
    const summaryAsked = () =>
      stack.openai.requests.some((r) => r.messages[0]!.content.includes(SUMMARY_PROMPT_MARKER) && r.messages[1]!.content.includes('antes da rajada'));
    for (let i = 0; !summaryAsked(); i++) {
      if (i > 200) throw new Error('no summary was asked for');
      await post(i, before(i), chat);
      await vi.waitUntil(() => stack.repliesTo(before(i)).length === 1 || summaryAsked(), WAIT_MS);
    }
    const runBefore = (await handle.describe()).runId;
    const burst = Array.from({ length: 30 }, (_, k) => `rajada ${String(k).padStart(2, '0')}`);
    await Promise.all(burst.map((body, k) => post(1000 + k, body, chat)));
    await vi.waitUntil(async () => (await stack.chatState('default', chat)).queueLength >= 30, WAIT_MS);
    gate.release();
    await vi.waitUntil(() => burst.every((body) => stack.repliesTo(body).length === 1), 60_000);

    expect((await handle.describe()).runId).not.toBe(runBefore);
    const stored = await stack.rows<{ content: string }>(
      "SELECT m.content FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user' AND m.content LIKE 'rajada%' ORDER BY m.id",
      [chat],
    );
    // Arrival order is the order Temporal recorded the signals in (in the run before the summary).
    const history = await stack.client.workflow.getHandle(chatWorkflowId('default', chat), runBefore).fetchHistory();
    const arrival = messagesDelivered(history.events ?? [])
      .filter((message) => !message.fromMe && message.body?.startsWith('rajada'))
      .map((message) => message.body);
    expect(arrival).toHaveLength(30);
    expect(stored.map((row) => row.content)).toEqual(arrival);
    const answered = stack.waha.sent.filter((call) => call.chatId === chat && call.text.startsWith('Re: rajada')).map((call) => call.text.match(/^Re: (.*) \[/)![1]);
    expect(answered).toEqual(arrival);
  });
});
