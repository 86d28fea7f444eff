import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { resumeSignal } from '../../src/workflows/chat-workflow.js';
import { variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

// Short windows so the test runs in seconds; production defaults are 2 s and 30 minutes.
const DEBOUNCE_MS = 1000;
const TAKEOVER_MS = 4000;

const stack = useTestStack({ env: { DEBOUNCE_MS: String(DEBOUNCE_MS), TAKEOVER_PAUSE: `${TAKEOVER_MS}ms` } });

let sequence = 0;
const typedOnPhone = (chat: string, body: string) => {
  const event = variant('private-fromme-app.json', { chat, waId: `PHONE${sequence++}`, body });
  return stack.post(event);
};
const sentTo = (chat: string) => stack.waha.sent.filter((call) => call.chatId === chat);

describe('debounce', () => {
  it('answers user messages that arrive close together once, with all of them in the prompt', async () => {
    const chat = '5521944440001@c.us';
    await stack.say(chat, 'oi');
    await stack.say(chat, 'queria encomendar um bolo');
    await stack.say(chat, 'para sábado, 20 pessoas');
    await vi.waitUntil(() => sentTo(chat).length === 1, WAIT_MS);
    const prompt = stack.openai.replyPrompts().find((r) => r.messages.at(-1)?.content === 'para sábado, 20 pessoas')!;
    expect(prompt.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['oi', 'queria encomendar um bolo', 'para sábado, 20 pessoas']);
    expect(stack.openai.replyPrompts().filter((r) => ['oi', 'queria encomendar um bolo'].includes(r.messages.at(-1)!.content))).toHaveLength(0);

    // A message after the window closes gets a reply of its own.
    await stack.idle(chat);
    await stack.say(chat, 'pode ser de chocolate?');
    await vi.waitUntil(() => sentTo(chat).length === 2, WAIT_MS);
    expect(sentTo(chat)[1]!.text).toContain('pode ser de chocolate?');
  });
});

describe('human takeover', () => {
  it('a message typed on the bot’s phone pauses the bot; user messages are stored and remembered, not answered, until the pause ends', async () => {
    const chat = '5521944440002@c.us';
    await stack.say(chat, 'olá, tem pão?');
    await vi.waitUntil(() => sentTo(chat).length === 1, WAIT_MS);

    await typedOnPhone(chat, 'Oi! Aqui é a Dona Lúcia, eu mesma te atendo.');
    await vi.waitUntil(async () => (await stack.chatState('default', chat)).pausedUntil !== null, WAIT_MS);
    await stack.say(chat, 'que bom, Dona Lúcia! quero 10 pães');
    const state = await vi.waitUntil(async () => {
      const s = await stack.chatState('default', chat);
      return s.messagesSeen === 3 && s.queueLength === 0 ? s : undefined;
    }, WAIT_MS);
    expect(state.pausedUntil).not.toBeNull();
    expect(sentTo(chat)).toHaveLength(1);
    expect(await stack.rows("SELECT role FROM messages WHERE content = 'que bom, Dona Lúcia! quero 10 pães'")).toEqual([{ role: 'user' }]);
    await vi.waitUntil(async () => (await stack.deps.ltm.store.list('longterm_memory', { chatId: chat })).some((p) => p.payload.text === 'que bom, Dona Lúcia! quero 10 pães'), WAIT_MS);

    // Once the pause is over, the bot answers again.
    await new Promise((resolve) => setTimeout(resolve, TAKEOVER_MS));
    await stack.say(chat, 'e amanhã, vocês abrem?');
    await vi.waitUntil(() => sentTo(chat).length === 2, WAIT_MS);
    expect(sentTo(chat)[1]!.text).toContain('e amanhã, vocês abrem?');
  });

  it('the resume signal ends the pause early', async () => {
    const chat = '5521944440003@c.us';
    await typedOnPhone(chat, 'Aqui é o Paulo.');
    await stack.say(chat, 'oi Paulo');
    await vi.waitUntil(async () => (await stack.chatState('default', chat)).messagesSeen === 2, WAIT_MS);
    await stack.idle(chat);
    expect(sentTo(chat)).toHaveLength(0);

    await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).signal(resumeSignal);
    await vi.waitUntil(async () => (await stack.chatState('default', chat)).pausedUntil === null, WAIT_MS);
    await stack.say(chat, 'ainda tem croissant?');
    await vi.waitUntil(() => sentTo(chat).length === 1, WAIT_MS);
  });

  it('the echo of the bot’s own reply never pauses it', async () => {
    const chat = '5521944440004@c.us';
    await stack.say(chat, 'primeira');
    await vi.waitUntil(() => sentTo(chat).length === 1 && stack.waha.echoStatuses.length > 0, WAIT_MS);
    await stack.idle(chat);
    expect((await stack.chatState('default', chat)).pausedUntil).toBeNull();
    await stack.say(chat, 'segunda');
    await vi.waitUntil(() => sentTo(chat).length === 2, WAIT_MS);
  });
});
