import { describe, expect, it, vi } from 'vitest';
import { localSteps } from '../support/histories.js';
import { WAIT_MS } from '../support/http.js';
import { lastUserText } from '../support/openai-standin.js';
import { expectAnsweredOnceInOrder, promptFor, queueBehind, queueBehindPastStepBudget } from '../support/queued-behind.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack({ env: { QUEUED_REPLIES: 'side-by-side' } });

describe('QUEUED_REPLIES=side-by-side', () => {
  it('asks the model for every queued message at once, each prompt holding the messages before it, and sends the replies once and in order', async () => {
    const chat = '5521933340001@c.us';
    const asked = ['pergunta A', 'pergunta B', 'pergunta C', 'pergunta D'];
    const queued = asked.slice(1);
    // The queued messages' model calls are held until all three are in flight: one after another, the second would never come.
    const together = stack.openai.hold((lastUser) => queued.some((body) => lastUser.includes(body)));
    const allAsked = vi
      .waitUntil(() => queued.every((body) => stack.openai.replyPrompts().some((prompt) => lastUserText(prompt.messages).includes(body))), WAIT_MS)
      .then(together.release);
    await queueBehind(stack, chat, asked[0]!, queued);
    await allAsked;
    expectAnsweredOnceInOrder(stack, asked);
    for (const [i, body] of queued.entries()) {
      const prompt = JSON.stringify(promptFor(stack, body).messages);
      // The messages before it and the reply before the step; not the replies written beside it, nor anything after it.
      for (const earlier of asked.slice(0, i + 1)) expect(prompt, body).toContain(earlier);
      expect(prompt, body).toContain(stack.repliesTo(asked[0]!)[0]!.text);
      for (const beside of queued.filter((other) => other !== body)) expect(prompt, body).not.toContain(stack.repliesTo(beside)[0]!.text);
      for (const later of queued.slice(i + 1)) expect(prompt, body).not.toContain(later);
    }
    // One step for the three (its marker is written when the task ends, just after the last send).
    const steps = await vi.waitUntil(async () => {
      const done = localSteps({ events: await stack.history(chat) }).filter((step) => step.startsWith('storeAndReply'));
      return done.length === 2 ? done : undefined;
    }, WAIT_MS);
    expect(steps).toEqual(['storeAndReply', 'storeAndReplyInTurn']);
  });

  it('when one queued message fails, the ones before it are sent, it goes to the reply step, and the ones after it, already stored, are still answered: each once, in order', async () => {
    const chat = '5521933340002@c.us';
    const asked = ['encomenda um', 'encomenda dois', 'encomenda três', 'encomenda quatro', 'encomenda cinco'];
    stack.openai.failWhen((lastUser) => lastUser.includes('encomenda três'), 503);
    await queueBehind(stack, chat, asked[0]!, asked.slice(1));
    expectAnsweredOnceInOrder(stack, asked);
    // 'um' alone; 'dois' to 'cinco' side by side, where 'três' failed; 'três' stored again and
    // answered by the reply step; 'quatro' and 'cinco' given back and answered in a step of their own.
    const steps = await vi.waitUntil(async () => {
      const done = localSteps({ events: await stack.history(chat) }).filter((step) => step !== 'chatSettings');
      return done.length >= 5 ? done : undefined;
    }, WAIT_MS);
    expect(steps).toEqual(['storeAndReply', 'storeAndReplyInTurn', 'recordArrivals', 'reply', 'storeAndReplyInTurn']);
    const stored = await stack.rows<{ content: string }>("SELECT m.content FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user' ORDER BY m.id", [chat]);
    expect(stored.map((row) => row.content)).toEqual(asked);
    // The ones given back were taken as new messages, not as duplicates: counted and learned once each.
    const learned = await stack.learned(chat, { timeoutMs: WAIT_MS });
    expect([learned.messagesSeen, learned.duplicatesDropped]).toEqual([asked.length, 0]);
    expect(await stack.deps.ltm.store.count('longterm_memory', { chatId: chat })).toBe(asked.length);
  });

  it('past the step\'s 30 s, no further reply is begun: the queued messages left are given back and answered by the next step, each once, in order', async () => {
    const chat = '5521933340003@c.us';
    const asked = ['recado um', 'recado dois', 'recado três', 'recado quatro'];
    await queueBehindPastStepBudget(stack, chat, asked);
    const learned = await stack.learned(chat, { timeoutMs: WAIT_MS });
    expect([learned.messagesSeen, learned.duplicatesDropped]).toEqual([asked.length, 0]);
    // 'um' alone; 'dois' to 'quatro' side by side, out of time after 'dois'; 'três' and 'quatro' given back and answered in a step of their own.
    const steps = localSteps({ events: await stack.history(chat) }).filter((step) => step !== 'chatSettings');
    expect(steps).toEqual(['storeAndReply', 'storeAndReplyInTurn', 'storeAndReplyInTurn']);
  });
});
