import { expect, vi } from 'vitest';
import { isReplyTo } from '../../src/offline/offline-model.js';
import { WAIT_MS } from './http.js';
import { lastUserText } from './openai-standin.js';
import type { Stack } from './stack.js';

/** Holds the model's reply to `first` until the messages after it have queued in the chat, then lets it go and waits for every reply. */
export async function queueBehind(stack: Stack, chat: string, first: string, queued: string[]): Promise<void> {
  const gate = stack.openai.hold((lastUser) => lastUser.includes(first));
  await stack.say(chat, first);
  await vi.waitUntil(() => stack.openai.replyPrompts().some((prompt) => lastUserText(prompt.messages).includes(first)), WAIT_MS);
  for (const body of queued) expect((await stack.say(chat, body)).status).toBe(202);
  gate.release();
  for (const body of [first, ...queued]) await stack.replyTo(body);
}

/** Each was answered exactly once, in the order asked. */
export function expectAnsweredOnceInOrder(stack: Stack, asked: string[]): void {
  for (const body of asked) expect(stack.repliesTo(body), body).toHaveLength(1);
  const order = asked.map((body) => stack.waha.sent.indexOf(stack.repliesTo(body)[0]!));
  expect(order).toEqual([...order].sort((a, b) => a - b));
}

/** The last prompt the model got for `body`'s reply. */
export function promptFor(stack: Stack, body: string) {
  return stack.openai.replyPrompts().filter((candidate) => lastUserText(candidate.messages).includes(body)).at(-1)!;
}

/**
 * `queueBehind`, with the step that answers the queued messages out of time after its first
 * reply: once WAHA gets that reply, this process's clock (Date only; timers keep real time)
 * runs 31 s ahead, as if the send had taken so long. Then each was answered once, in order.
 */
export async function queueBehindPastStepBudget(stack: Stack, chat: string, asked: string[]): Promise<void> {
  let jumped = false;
  stack.waha.onSent((call) => {
    if (jumped || !isReplyTo(call.text, asked[1]!)) return;
    jumped = true;
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 31_000);
  });
  try {
    await queueBehind(stack, chat, asked[0]!, asked.slice(1));
  } finally {
    vi.useRealTimers();
  }
  expectAnsweredOnceInOrder(stack, asked);
}
