import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/http.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

/**
 * Faults that are known to hit chatmem intermittently and are not fixed yet: `npm run
 * test:faults` (not part of `npm test`, which must not fail by chance).
 *
 * Temporal fails a workflow task that holds more than 100 buffered events (the server's
 * maximumBufferedEventsBatch) while a local activity keeps it open; sdk-core then logs
 * "Trying to send a new WFT for a run which already has one!", and in some runs the chat
 * stops answering the queued messages. Passed 2 of 3 runs on the 2-core machine.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => stack?.stop());


describe('a burst behind a slow reply', () => {
  it('loses nothing when more than a hundred messages wait behind a slow reply (Temporal fails a task that long buffered signals)', { timeout: 120_000 }, async () => {
    const chat = '5521933330003@c.us';
    const gate = stack.openai.hold((lastUser) => lastUser === 'primeira, a lenta');
    await stack.say(chat, 'primeira, a lenta');
    await eventually(() => stack.openai.replyPrompts().some((r) => r.messages.at(-1)?.content === 'primeira, a lenta'), 'the slow reply to start');
    const bodies = Array.from({ length: 150 }, (_, i) => `fila ${i}`);
    for (let start = 0; start < bodies.length; start += 25) await Promise.all(bodies.slice(start, start + 25).map((body) => stack.say(chat, body)));
    gate.release();
    await eventually(() => bodies.every((body) => stack.waha.sent.some((call) => call.text.startsWith(`Re: ${body} [`))), 'every queued message answered', 90_000);

    const stored = await stack.rows<{ content: string }>(
      "SELECT m.content FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user'",
      [chat],
    );
    expect(stored.map((row) => row.content).sort()).toEqual(['primeira, a lenta', ...bodies].sort());
    for (const body of bodies) expect(stack.waha.sent.filter((call) => call.text.startsWith(`Re: ${body} [`)), body).toHaveLength(1);
  });
});
