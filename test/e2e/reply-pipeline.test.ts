import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { eventually } from '../support/http.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.stop());

describe('a private message, end to end', () => {
  it('is stored, answered once through WAHA, and the echo is stored once without an answer', async () => {
    const event = fixture('private-text-incoming.json');
    const answer = await stack.post(event);
    expect(answer.status).toBe(202);

    const sent = await eventually(() => stack.waha.sent[0], 'the reply to be sent');
    expect(sent.chatId).toBe('5521988887777@c.us');
    expect(sent.session).toBe('default');
    expect(sent.text).toContain('Oi! Vocês abrem amanhã cedo?');

    // WAHA's echo comes back through the webhook; it must end up stored exactly once.
    await eventually(() => stack.waha.echoStatuses.length === 1, 'the echo to be delivered');
    expect(stack.waha.echoStatuses).toEqual([202]);
    const state = await eventually(async () => {
      const s = await stack.chatState('default', '5521988887777@c.us');
      return s.queueLength === 0 && s.repliesSent === 1 && s.duplicatesDropped === 1 ? s : undefined;
    }, 'the echo to be handled');
    expect(state.messagesSeen).toBe(1);

    const rows = await stack.rows('SELECT role, content, from_me, wa_id FROM messages ORDER BY id');
    expect(rows.map((r) => r.role)).toEqual(['user', 'assistant']);
    expect(rows[1].content).toBe(sent.text);
    expect(rows[1].wa_id).toBe(sent.sentId.split('_')[2]);
    expect(stack.waha.sent).toHaveLength(1);
    expect(stack.openai.requests).toHaveLength(1);
  });
});
