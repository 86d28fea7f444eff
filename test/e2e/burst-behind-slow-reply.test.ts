import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * A reply holds its chat's workflow task while the model answers; what arrives meanwhile waits
 * in the Temporal server as buffered events. Past the server's limit (100 by default) the server
 * force-closes the task, and in some runs sdk-core then loses the run and the chat stops
 * answering. chatmem's servers (embedded, tests, docker compose) raise that limit
 * (src/temporal/dev-server-args.ts); without it this test fails on the force-closed tasks.
 */
const stack = useTestStack();

describe('a burst behind a slow reply', () => {
  it('answers each of 150 messages that arrived while the model was slow once, with no workflow task thrown away', { timeout: 120_000 }, async () => {
    const chat = '5521933330003@c.us';
    const gate = stack.openai.hold((lastUser) => lastUser === 'primeira, a lenta');
    await stack.say(chat, 'primeira, a lenta');
    await vi.waitUntil(() => stack.openai.replyPrompts().some((r) => r.messages.at(-1)?.content === 'primeira, a lenta'), WAIT_MS);
    const bodies = Array.from({ length: 150 }, (_, i) => `fila ${i}`);
    for (let start = 0; start < bodies.length; start += 25) await Promise.all(bodies.slice(start, start + 25).map((body) => stack.say(chat, body)));
    gate.release();
    await vi.waitUntil(() => bodies.every((body) => stack.repliesTo(body).length > 0), 90_000);

    const stored = await stack.rows<{ content: string }>(
      "SELECT m.content FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user'",
      [chat],
    );
    expect(stored.map((row) => row.content).sort()).toEqual(['primeira, a lenta', ...bodies].sort());
    for (const body of bodies) expect(stack.repliesTo(body), body).toHaveLength(1);
    // A force-closed task throws the slow reply's work away, and it is where the silent chats began.
    const history = (await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).fetchHistory()).events ?? [];
    expect(history.filter((event) => event.workflowTaskFailedEventAttributes).map((event) => event.workflowTaskFailedEventAttributes!.cause)).toEqual([]);
  });
});
