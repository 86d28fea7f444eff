import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { KNOWLEDGE_PROMPT_MARKER } from '../../src/domain/knowledge.js';
import { WAIT_MS } from '../support/http.js';
import { inboundSignalOf, localActivityOf, localSteps, patchIds, runInput } from '../support/histories.js';
import { lastUserText } from '../support/openai-standin.js';
import { expectAnsweredOnceInOrder, promptFor, queueBehind, queueBehindPastStepBudget } from '../support/queued-behind.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();

describe('the reply path', () => {
  it('costs one workflow task and one local step per answered message (the first in the start, each other a signal): stored, composed and sent inside the task the message woke, its echo stopped at the webhook', async () => {
    const chat = '5521933330001@c.us';
    for (const body of ['bom dia', 'vocês abrem no domingo?', 'e no feriado?']) {
      await stack.say(chat, body);
      await stack.replyTo(body);
    }
    const events = await stack.historyOnceAnswered(chat, 3);
    // The first message started the chat (an eager start: in the run's input), the others came as signals.
    expect(runInput(events).first?.body).toBe('bom dia');
    const signals = events.flatMap((event, index) => (inboundSignalOf(event)?.fromMe === false ? [index] : []));
    expect(signals).toHaveLength(2);
    const arrivals = [0, ...signals];
    // WAHA's echo of each reply was answered by the webhook: no signal, and no task, in the chat for it.
    await vi.waitUntil(() => stack.waha.echoStatuses.length === stack.waha.sent.length, WAIT_MS);
    expect(stack.waha.echoStatuses).toEqual(stack.waha.sent.map(() => 200));
    expect((await stack.history(chat)).filter((event) => inboundSignalOf(event)?.fromMe === true)).toHaveLength(0);
    for (const arrival of arrivals) {
      const reply = events.findIndex((event, index) => index > arrival && localActivityOf(event) === 'storeAndReply');
      expect(reply, 'a store-and-reply step after the message').toBeGreaterThan(arrival);
      // A local activity's marker follows the completion of the task that ran it: one task, from the message to the send.
      const between = events.slice(arrival, reply);
      expect(between.filter((event) => event.workflowTaskCompletedEventAttributes)).toHaveLength(1);
      // Without a debounce window nothing waits between storing and answering: no step of its own for either.
      expect(between.filter((event) => ['recordArrivals', 'reply'].includes(localActivityOf(event) ?? ''))).toHaveLength(0);
      expect(between.some((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'composeReply')).toBe(false);
    }
  });

  it('starts a new chat with two patch markers, not one per patch: a run that has the current shape has every patch of it', async () => {
    const chat = '5521933330005@c.us';
    await stack.say(chat, 'olá');
    await stack.replyTo('olá');
    const markers = await vi.waitUntil(async () => {
      const history = await stack.history(chat);
      return history.some((event) => localActivityOf(event) === 'storeAndReply') ? patchIds({ events: history }) : undefined;
    }, WAIT_MS);
    expect(markers).toEqual(['late-local-results-first', 'all-patches-of-2026-12-07']);
    // Each marker comes with sdk-core's search-attribute update, and nothing else in the run asked one.
    expect((await stack.history(chat)).filter((event) => event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.TemporalChangeVersion)).toHaveLength(2);
  });

  it('answers the messages that queued behind a busy reply in one step, each in turn from the transcript as it stood, once and in order', async () => {
    const chat = '5521933330003@c.us';
    const asked = ['primeira pergunta', 'segunda pergunta', 'terceira pergunta', 'quarta pergunta'];
    await queueBehind(stack, chat, asked[0]!, asked.slice(1));
    expectAnsweredOnceInOrder(stack, asked);
    // Each reply saw the messages before it and the replies to them, and nothing that came after it.
    for (let i = 1; i < asked.length; i++) {
      const prompt = promptFor(stack, asked[i]!);
      expect(prompt.messages.some((message) => message.role === 'assistant' && message.content.includes(stack.repliesTo(asked[i - 1]!)[0]!.text)), asked[i]).toBe(true);
      for (const later of asked.slice(i + 1)) expect(JSON.stringify(prompt.messages), asked[i]).not.toContain(later);
    }
    // The three that queued cost one step, inside one workflow task, not one each.
    const events = await vi.waitUntil(async () => {
      const history = await stack.history(chat);
      return history.some((event) => localActivityOf(event) === 'storeAndReplyInTurn') ? history : undefined;
    }, WAIT_MS);
    expect(events.map(localActivityOf).filter((step) => step?.startsWith('storeAndReply'))).toEqual(['storeAndReply', 'storeAndReplyInTurn']);
  });

  it('when a queued message fails inside that step, it is answered by the reply step and the ones after it go on: each once, in order', async () => {
    const chat = '5521933330004@c.us';
    const asked = ['pedido um', 'pedido dois', 'pedido três', 'pedido quatro'];
    stack.openai.failWhen((lastUser) => lastUser.includes('pedido três'), 503);
    await queueBehind(stack, chat, asked[0]!, asked.slice(1));
    expectAnsweredOnceInOrder(stack, asked);
    expect(stack.openai.replyPrompts().filter((prompt) => lastUserText(prompt.messages).includes('pedido três'))).toHaveLength(2);
    const steps = (await stack.idle(chat), localSteps({ events: await stack.history(chat) }).filter((step) => step !== 'chatSettings'));
    // 'um' alone; 'dois' in turn, where 'três' failed; 'três' stored again and answered by the reply step; 'quatro' back in the queue, answered alone.
    expect(steps).toEqual(['storeAndReply', 'storeAndReplyInTurn', 'recordArrivals', 'reply', 'storeAndReply']);
  });

  it('past the step\'s 30 s, it begins no further queued message: the ones left go back to the queue and are answered after, each once, in order', async () => {
    const chat = '5521933330008@c.us';
    const asked = ['aviso um', 'aviso dois', 'aviso três', 'aviso quatro'];
    await queueBehindPastStepBudget(stack, chat, asked);
    const steps = (await stack.idle(chat), localSteps({ events: await stack.history(chat) }).filter((step) => step !== 'chatSettings'));
    // 'um' alone; 'dois' in turn, out of time after it; 'três' and 'quatro' back in the queue, answered in a step of their own.
    expect(steps).toEqual(['storeAndReply', 'storeAndReplyInTurn', 'storeAndReplyInTurn']);
  });

  it('learns from a burst in batches, shows what waits to be learned, and never makes a reply wait for learning', async () => {
    const chat = '5521933330002@c.us';
    // Fact extraction stalls: replies must go on, and the backlog must show.
    const gate = stack.openai.hold((_, messages) => messages[0]?.content.startsWith(KNOWLEDGE_PROMPT_MARKER) ?? false);
    await stack.say(chat, 'my name is Helena');
    await stack.replyTo('my name is Helena');
    const bodies = Array.from({ length: 8 }, (_, i) => (i === 7 ? 'and I live in Porto' : `mensagem ${i} do pedido`));
    await Promise.all(bodies.map((body) => stack.say(chat, body)));
    for (const body of bodies) await stack.replyTo(body);

    const waiting = await stack.chatState('default', chat);
    expect(waiting.learningBacklog).toBeGreaterThan(0);
    const { currentDetails } = (await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).query('__temporal_workflow_metadata')) as { currentDetails: string };
    expect(currentDetails).toMatch(/\*\*Learning:\*\* \d+ messages waiting/);

    gate.release();
    const learned = await stack.learned(chat, { timeoutMs: WAIT_MS });
    expect(learned.learningFailures).toBe(0);
    const memory = await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).query('memory');
    expect((memory as { knowledge: Record<string, string[]> }).knowledge[chat]).toEqual(expect.arrayContaining(['name: helena', 'city: porto']));
    // What the bot knows of the person is in the chat's details on the Web UI, not only behind a query.
    const shown = (await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).query('__temporal_workflow_metadata')) as { currentDetails: string };
    expect(shown.currentDetails).toMatch(/\*\*Knows:\*\* (name: helena; city: porto|city: porto; name: helena)/);

    // Nine messages, far fewer learning steps: the ones that waited went together.
    const events = await stack.history(chat);
    const learningSteps = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'learnFromBatch').length;
    expect(learningSteps).toBeLessThan(5);
    expect(await stack.deps.ltm.store.count('longterm_memory', { chatId: chat })).toBe(9);
  });

  it('answers many chats at once while the model is slow: no chat waits for another chat’s model call', async () => {
    // More chats than the SDK's default 40 workflow task slots, each held inside its model call.
    const chats = Array.from({ length: 50 }, (_, i) => `55219444${String(i).padStart(5, '0')}@c.us`);
    const asking = (chat: string) => `slow model question from ${chat}`;
    const slow = stack.openai.hold((lastUser) => lastUser.includes('slow model question'));
    await Promise.all(chats.map((chat) => stack.say(chat, asking(chat))));
    const inFlight = () => new Set(stack.openai.replyPrompts().flatMap((prompt) => chats.filter((chat) => JSON.stringify(prompt.messages).includes(asking(chat)))));
    try {
      await vi.waitUntil(() => inFlight().size === chats.length, 45_000);
    } finally {
      slow.release();
    }
    for (const chat of chats) await stack.replyTo(asking(chat));
  });
});
