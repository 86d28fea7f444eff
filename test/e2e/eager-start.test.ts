import { describe, expect, it } from 'vitest';
import { variant } from '../support/fixtures.js';
import { inboundSignalOf, localSteps, messagesDelivered, runInput } from '../support/histories.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();

const signalled = (events: Awaited<ReturnType<typeof stack.history>>) => events.flatMap((event) => inboundSignalOf(event)?.body ?? []);

describe('a new chat started by the webhook beside the worker', () => {
  it('starts with its first message and the operator settings in the run input: no signal and no settings step for it; later messages are signals', async () => {
    const chat = '5521933340001@c.us';
    await stack.say(chat, 'oi, tudo bem?');
    await stack.replyTo('oi, tudo bem?');
    await stack.say(chat, 'qual o horário?');
    await stack.replyTo('qual o horário?');
    const events = await stack.historyOnceAnswered(chat, 2);
    const input = runInput(events);
    expect(input.first?.body).toBe('oi, tudo bem?');
    expect(input.settings).toEqual(stack.config.chat);
    expect(signalled(events)).toEqual(['qual o horário?']);
    expect(localSteps({ events })).not.toContain('chatSettings');
    expect(stack.repliesTo('oi, tudo bem?')).toHaveLength(1);
    expect(stack.repliesTo('qual o horário?')).toHaveLength(1);
  });

  it('delivers to a chat that already runs but this webhook has not seen (chatmem restarted) by a signal, once', async () => {
    const chat = '5521933340002@c.us';
    await stack.say(chat, 'primeira mensagem');
    await stack.replyTo('primeira mensagem');
    await stack.restartChatmem();
    expect((await stack.say(chat, 'segunda mensagem')).status).toBe(202);
    await stack.replyTo('segunda mensagem');
    const events = await stack.historyOnceAnswered(chat, 2);
    expect(events.filter((event) => event.workflowExecutionStartedEventAttributes)).toHaveLength(1);
    expect(runInput(events).first?.body).toBe('primeira mensagem');
    expect(signalled(events)).toEqual(['segunda mensagem']);
    expect(stack.repliesTo('segunda mensagem')).toHaveLength(1);
    expect((await stack.chatState('default', chat)).messagesSeen).toBe(2);
  });

  it('answers two messages that start a new chat at once, each once', async () => {
    const chat = '5521933340003@c.us';
    const statuses = await Promise.all(['quero pizza', 'e um refrigerante'].map((body) => stack.say(chat, body)));
    expect(statuses.map((answer) => answer.status)).toEqual([202, 202]);
    await stack.replyTo('quero pizza');
    await stack.replyTo('e um refrigerante');
    const events = await stack.historyOnceAnswered(chat, 2);
    // Whichever the webhook took first started the run; the other was signalled after it.
    expect(runInput(events).first).toBeDefined();
    expect(messagesDelivered(events).map((message) => message.body).sort()).toEqual(['e um refrigerante', 'quero pizza']);
    expect(stack.repliesTo('quero pizza')).toHaveLength(1);
    expect(stack.repliesTo('e um refrigerante')).toHaveLength(1);
    expect((await stack.chatState('default', chat)).messagesSeen).toBe(2);
  });

  it('answers a first message WAHA delivers twice at once, once', async () => {
    const chat = '5521933340004@c.us';
    const event = variant('private-text-incoming.json', { chat, waId: 'EAGERTWICE', body: 'chegou duas vezes' });
    const statuses = await Promise.all([stack.post(event), stack.post(event)]);
    expect(statuses.map((answer) => answer.status)).toEqual([202, 202]);
    await stack.replyTo('chegou duas vezes');
    await stack.idle(chat);
    expect(stack.repliesTo('chegou duas vezes')).toHaveLength(1);
    expect((await stack.chatState('default', chat)).messagesSeen).toBe(1);
  });
});
