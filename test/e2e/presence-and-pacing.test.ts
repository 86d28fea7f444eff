import { describe, expect, it, vi } from 'vitest';
import { isReplyTo } from '../../src/offline/offline-model.js';
import { variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { startTestStack, useTestStack } from '../support/test-stack.js';

/**
 * A reply arrives as from a contact: the messages answered are marked seen, "typing…" shows
 * for a time that grows with the message, a long reply comes as several messages, and one
 * number's sends across all its chats keep to SEND_RATE_PER_MINUTE.
 */
const TYPING_MS_PER_CHAR = 4;
const TYPING_MAX_MS = 600;
const MAX_MESSAGE_CHARS = 700;
const SEND_RATE_PER_MINUTE = 300;
const INTERVAL_MS = 60_000 / SEND_RATE_PER_MINUTE;

const stack = useTestStack({
  env: {
    TYPING_MS_PER_CHAR: String(TYPING_MS_PER_CHAR),
    TYPING_MAX_MS: String(TYPING_MAX_MS),
    MAX_MESSAGE_CHARS: String(MAX_MESSAGE_CHARS),
    SEND_RATE_PER_MINUTE: String(SEND_RATE_PER_MINUTE),
    GROUP_MENTION_ASKER: 'true',
  },
});

const PRESENCE_AND_SEND = new Set(['/api/sendSeen', '/api/startTyping', '/api/stopTyping', '/api/sendText']);
const callsTo = (chat: string) => stack.waha.calls.filter((call) => PRESENCE_AND_SEND.has(call.path) && (call.body as any).chatId === chat);

async function assistantRows(chat: string) {
  return stack.rows<{ content: string; wa_id: string | null }>(
    "SELECT m.content, m.wa_id FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'assistant' ORDER BY m.id",
    [chat],
  );
}

describe('presence and pacing', () => {
  it('marks the message seen, types for a time within bounds, stops typing, then sends', async () => {
    const chat = '5521933330001@c.us';
    const event = await stack.say(chat, 'vocês abrem no sábado?');
    expect(event.status).toBe(202);
    await stack.replyTo('vocês abrem no sábado?');

    const calls = callsTo(chat);
    expect(calls.map((call) => call.path)).toEqual(['/api/sendSeen', '/api/startTyping', '/api/stopTyping', '/api/sendText']);
    const [seen, start, stop, send] = calls as [any, any, any, any];
    const [said] = (await stack.rows("SELECT waha_message_id FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user'", [chat])) as any[];
    expect(seen.body).toEqual({ session: 'default', chatId: chat, messageIds: [said.waha_message_id] });
    const typingMs = Math.min(TYPING_MAX_MS, send.body.text.length * TYPING_MS_PER_CHAR);
    expect(stop.at - start.at).toBeGreaterThanOrEqual(typingMs - 5);
    // Generous above: the bound is TYPING_MAX_MS, the rest is this machine's scheduling.
    expect(stop.at - start.at).toBeLessThan(TYPING_MAX_MS + 2000);
    expect(send.at).toBeGreaterThanOrEqual(stop.at);
  });

  it('without typing time, sends the reply first and marks the message seen right after, so the ticks never hold it back', async () => {
    const quick = await startTestStack({ env: { TYPING_MS_PER_CHAR: '0' } });
    try {
      const chat = '5521933330009@c.us';
      await quick.say(chat, 'qual o horário de hoje?');
      await quick.replyTo('qual o horário de hoje?');
      const paths = () => quick.waha.calls.filter((call) => PRESENCE_AND_SEND.has(call.path) && (call.body as any).chatId === chat).map((call) => call.path);
      await vi.waitUntil(() => paths().length === 2, WAIT_MS);
      expect(paths()).toEqual(['/api/sendText', '/api/sendSeen']);
    } finally {
      await quick.stop();
    }
  });

  it('sends a 3,000-character reply as several messages, each stored once and none answered when echoed', async () => {
    const chat = '5521933330002@c.us';
    const paragraph = (n: number) => `Parte ${n}: ${'o cardápio de hoje tem pão de queijo, café coado e bolo de fubá. '.repeat(6).trim()}`;
    const long = Array.from({ length: 8 }, (_, i) => paragraph(i + 1)).join('\n\n');
    expect(long.length).toBeGreaterThanOrEqual(3000);
    stack.openai.replyWith((lastUser) => lastUser.includes('me manda o cardápio inteiro'), long);

    await stack.say(chat, 'me manda o cardápio inteiro');
    await vi.waitUntil(() => stack.waha.sent.filter((call) => call.chatId === chat).map((call) => call.text).join('\n\n') === long, WAIT_MS);
    const sent = stack.waha.sent.filter((call) => call.chatId === chat);
    expect(sent.length).toBeGreaterThan(1);
    for (const part of sent) expect(part.text.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    // Each part typed before it is sent; the question marked seen once.
    expect(callsTo(chat).map((call) => call.path)).toEqual(['/api/sendSeen', ...sent.flatMap(() => ['/api/startTyping', '/api/stopTyping', '/api/sendText'])]);

    // Every echo came back and was known at the webhook as a part chatmem sent: still one row per part, with its WhatsApp id, and no reply to any of them.
    await vi.waitUntil(() => stack.waha.echoStatuses.length === stack.waha.sent.length, WAIT_MS);
    expect(stack.waha.echoStatuses.slice(-sent.length)).toEqual(sent.map(() => 200));
    // The webhook knows a part's id as soon as WAHA answers; its row gets the id just after.
    const rows = await vi.waitUntil(async () => {
      const stored = await assistantRows(chat);
      return stored.every((row) => row.wa_id) ? stored : undefined;
    }, WAIT_MS);
    expect(rows.map((row) => row.content)).toEqual(sent.map((call) => call.text));
    expect(rows.map((row) => row.wa_id)).toEqual(sent.map((call) => call.sentId.split('_')[2]));
    expect(stack.openai.replyPrompts().filter((prompt) => prompt.messages.at(-1)?.content.startsWith('Parte '))).toHaveLength(0);
    expect(stack.waha.sent.filter((call) => call.chatId === chat)).toHaveLength(sent.length);
  });

  it('keeps 100 replies across 20 chats of one number to SEND_RATE_PER_MINUTE, each answered once', async () => {
    const chats = Array.from({ length: 20 }, (_, i) => `55219444${String(i).padStart(5, '0')}@c.us`);
    const texts = chats.flatMap((chat, c) => Array.from({ length: 5 }, (_, m) => ({ chat, text: `pedido ${c}-${m}` })));
    const before = stack.waha.sent.length;
    await Promise.all(chats.map(async (chat) => {
      for (const { text } of texts.filter((t) => t.chat === chat)) expect((await stack.say(chat, text)).status).toBe(202);
    }));
    await vi.waitUntil(() => texts.every(({ text }) => stack.waha.sent.some((call) => isReplyTo(call.text, text))), 120_000);

    const sends = stack.waha.sent.slice(before);
    for (const { text } of texts) expect(sends.filter((call) => isReplyTo(call.text, text))).toHaveLength(1);
    // In any stretch of time, no more sends than the rate allows: a send never leaves before its
    // slot, but on a busy machine one can leave late, so two more are allowed.
    const times = sends.map((call) => call.at).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        const allowed = Math.floor((times[j]! - times[i]!) / INTERVAL_MS) + 3;
        most = Math.max(most, j - i + 1 - allowed);
      }
    }
    expect(most, 'sends over the rate in some stretch').toBeLessThanOrEqual(0);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((times.length - 2) * INTERVAL_MS);
  });

  it('in a group, the reply quotes the question and names the asker, who WhatsApp then notifies', async () => {
    const question = variant('group-mention.json', { waId: 'ASKER1', body: '@5521900000001 vocês abrem no domingo?' });
    expect((await stack.post(question)).status).toBe(202);
    const group = question.payload.from;
    const send = await vi.waitUntil(() => stack.waha.calls.find((call) => call.path === '/api/sendText' && (call.body as any).chatId === group), WAIT_MS);
    const body = send.body as { text: string; reply_to?: string; mentions?: string[] };
    expect(body.text).toMatch(/^@5521955554444 Re: Marcos Dias: @5521900000001 vocês abrem no domingo\? \[/);
    expect(body.mentions).toEqual(['5521955554444@c.us']);
    expect(body.reply_to).toBe(question.payload.id);
    // The transcript holds the reply as sent, and its echo is not answered.
    await vi.waitUntil(async () => (await assistantRows(group)).every((row) => row.wa_id), WAIT_MS);
    expect((await assistantRows(group)).map((row) => row.content)).toEqual([body.text]);
    await stack.idle(group);
    expect(stack.waha.calls.filter((call) => call.path === '/api/sendText' && (call.body as any).chatId === group)).toHaveLength(1);
  });
});
