import { describe, expect, it, vi } from 'vitest';
import { editOf, revokeOf, variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();

const CHAT = '5521940000001@c.us';
const TOLD = 'my name is Beatriz and my favorite color is blue.';
const EDITED = 'my name is Beatriz and my favorite color is green.';

const facts = async () => (await stack.deps.ltm.store.list('user_knowledge', { ltmId: CHAT })).map((point) => String(point.payload.fact)).sort();
const points = async () => (await stack.deps.ltm.store.list('longterm_memory', { chatId: CHAT })).map((point) => String(point.payload.text)).sort();
const changes = async () => stack.rows<{ kind: string; content: string | null }>('SELECT kind, content FROM message_changes ORDER BY id');
const userRows = async () =>
  stack.rows<{ content: string; edited_content: string | null; revoked: boolean }>(
    `SELECT m.content, m.edited_content, m.revoked_at IS NOT NULL AS revoked FROM messages m JOIN sessions s ON s.id = m.session_id
      WHERE s.chat_id = $1 AND m.role = 'user' ORDER BY m.id`,
    [CHAT],
  );
/** The reply prompt the model got for the last message `text`. */
const promptFor = (text: string) => stack.openai.replyPrompts().filter((request) => request.messages.at(-1)?.content === text).at(-1)!;
const usersLines = (text: string) => promptFor(text).messages.filter((message) => message.role === 'user').map((message) => message.content);

async function ask(waId: string, body: string) {
  await stack.post(variant('private-text-incoming.json', { chat: CHAT, waId, body }));
  await stack.replyTo(body);
}

describe('an edited message', () => {
  const original = variant('private-text-incoming.json', { chat: CHAT, waId: 'TOLD1', body: TOLD });

  it('replaces what long-term memory and the facts hold, and keeps the original in the transcript', async () => {
    await stack.post(original);
    await stack.replyTo(TOLD);
    await vi.waitUntil(async () => (await facts()).join() === 'favorite color: blue,name: beatriz', WAIT_MS);
    expect(await points()).toEqual([TOLD]);

    expect((await stack.post(editOf(original, EDITED))).status).toBe(202);
    await vi.waitUntil(async () => (await facts()).join() === 'favorite color: green,name: beatriz', WAIT_MS);
    // The same point, now holding the new text: an edit adds no memory beside the old one.
    expect(await points()).toEqual([EDITED]);
    expect(await userRows()).toEqual([{ content: TOLD, edited_content: EDITED, revoked: false }]);
    expect(await changes()).toEqual([{ kind: 'edited', content: EDITED }]);
    // An edit is not a question: nothing more was sent.
    expect(stack.waha.sent.filter((call) => call.chatId === CHAT)).toHaveLength(1);
  });

  it('reaches the model as the message it now is', async () => {
    await ask('ASK1', 'what is my favorite color?');
    expect(usersLines('what is my favorite color?')).toEqual([EDITED, 'what is my favorite color?']);
    const system = promptFor('what is my favorite color?').messages[0]!.content;
    expect(system).toContain('favorite color: green');
    expect(system).not.toContain('blue');
  });

  it('a deletion takes it out of long-term memory, the facts and the prompt; the transcript marks it deleted', async () => {
    expect((await stack.post(revokeOf(original))).status).toBe(202);
    await vi.waitUntil(async () => (await points()).join() === 'what is my favorite color?', WAIT_MS);
    await vi.waitUntil(async () => (await facts()).length === 0, WAIT_MS);
    expect(await userRows()).toEqual([
      { content: TOLD, edited_content: EDITED, revoked: true },
      { content: 'what is my favorite color?', edited_content: null, revoked: false },
    ]);
    expect((await changes()).map((change) => change.kind)).toEqual(['edited', 'revoked']);

    await ask('ASK2', 'what do you know about me?');
    expect(usersLines('what do you know about me?')).toEqual(['what is my favorite color?', 'what do you know about me?']);
    const system = promptFor('what do you know about me?').messages[0]!.content;
    expect(system).not.toContain('Beatriz');
    expect(system).not.toContain('green');
    const memory = await stack.chatMemory('default', CHAT);
    expect(memory.knowledge[CHAT]).toBeUndefined();
    expect(memory.recent.map((line) => line.text)).toContain('[deleted a message]');
  });

  it('the same edit delivered again is recorded once, and a change to a message chatmem never had changes nothing', async () => {
    const before = await changes();
    // Another delivery of the edit (a new event id, as a retry from another WAHA worker would be).
    await stack.post(editOf(original, EDITED));
    await stack.post(editOf(variant('private-text-incoming.json', { chat: CHAT, waId: 'NEVERSEEN' }), 'something else'));
    await stack.post(revokeOf(variant('private-text-incoming.json', { chat: CHAT, waId: 'NEVERSEEN2' })));
    // Changes of one chat are handled in order: once the last is counted, all were handled.
    const counted = (metrics: string) => /chatmem_message_changes_total\{kind="revoked",outcome="unknown_message"\} 1/.test(metrics);
    await vi.waitUntil(async () => counted(await stack.metricsText()), WAIT_MS);
    const metrics = await stack.metricsText();
    expect(metrics).toMatch(/chatmem_message_changes_total\{kind="edited",outcome="unknown_message"\} 1/);
    expect(metrics).toMatch(/chatmem_message_changes_total\{kind="edited",outcome="applied"\} 1/);
    expect(await changes()).toEqual(before);
    expect(await userRows()).toHaveLength(3);
    expect(stack.waha.sent.filter((call) => call.chatId === CHAT)).toHaveLength(3);
  });
});
