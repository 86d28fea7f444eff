import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { fixture } from '../support/fixtures.js';
import { messagesDelivered } from '../support/histories.js';
import { WAIT_MS } from '../support/http.js';
import { TEST_SECRETS } from '../support/stack.js';
import { useTestStack } from '../support/test-stack.js';
import type { WahaEngine } from '../../src/simulator/waha-events.js';

// Each engine answers sendText differently; the echo is only recognised if we read its id right.
describe.each<WahaEngine>(['GOWS', 'WEBJS', 'NOWEB'])('a private message, end to end, with a %s WAHA', (engine) => {
  const stack = useTestStack({ engine });

  it('is stored, answered once through WAHA, and the echo of the reply stops at the webhook', async () => {
    const answer = await stack.post(fixture('private-text-incoming.json'));
    expect(answer.status).toBe(202);

    const sent = await vi.waitUntil(() => stack.waha.sent[0], WAIT_MS);
    expect(sent).toMatchObject({ session: 'default', chatId: '5521988887777@c.us' });
    expect(sent.text).toContain('Oi! Vocês abrem amanhã cedo?');
    expect(stack.openai.replyPrompts()[0]?.authorization).toBe(`Bearer ${TEST_SECRETS[0]}`);
    expect(stack.openai.replyPrompts()[0]?.model).toBe('test-chat-model');

    // The echo is known as chatmem's own reply: answered by the webhook, never signaled to the chat.
    await vi.waitUntil(() => stack.waha.echoStatuses.length === 1, WAIT_MS);
    expect(stack.waha.echoStatuses).toEqual([200]);
    const state = await vi.waitUntil(async () => {
      const s = await stack.chatState('default', '5521988887777@c.us');
      return s.queueLength === 0 && s.repliesSent === 1 ? s : undefined;
    }, WAIT_MS);
    expect(state).toMatchObject({ messagesSeen: 1, replyFailures: 0, duplicatesDropped: 0, lastInteractionAt: new Date(1780000000 * 1000).toISOString() });
    const history = await stack.client.workflow.getHandle(chatWorkflowId('default', '5521988887777@c.us')).fetchHistory();
    expect(messagesDelivered(history.events!).map((message) => message.waId)).toEqual(['B1A2C3D4E5F60718293A4B5C6D7E8F90']);

    const rows = await stack.rows('SELECT role, content, from_me, wa_id, waha_message_id FROM messages ORDER BY id');
    expect(rows).toEqual([
      expect.objectContaining({ role: 'user', from_me: false, wa_id: 'B1A2C3D4E5F60718293A4B5C6D7E8F90' }),
      expect.objectContaining({ role: 'assistant', from_me: true, content: sent.text, waha_message_id: sent.sentId, wa_id: sent.sentId.split('_')[2] }),
    ]);
    expect(stack.waha.sent).toHaveLength(1);
    expect(stack.openai.replyPrompts()).toHaveLength(1);
  });

  it('names the chat and keeps its current details up to date for the Temporal Web UI', async () => {
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', '5521988887777@c.us'));
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe('Beatriz Nogueira (5521988887777@c.us)');
    const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails: string };
    expect(metadata.currentDetails).toContain('**Messages:** 1 seen, 1 replies');
    expect(metadata.currentDetails).toContain('**Bot:** answering');
  });
});
