import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { fixture } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const ANSWERED = [
  // fixture, chat the reply goes to, reply_to expected
  ['private-text-incoming.json', '5521988887777@c.us', undefined],
  ['private-text-incoming-webjs.json', '5521977776666@c.us', undefined],
  ['private-text-incoming-noweb.json', '5521966665555@c.us', undefined],
  ['media-image-caption.json', '5521977776666@c.us', undefined],
  ['reply-quoted.json', '5521988887777@c.us', undefined],
  ['lid-sender.json', '27182818284590@lid', undefined],
  ['group-mention.json', '120363099988877766@g.us', 'false_120363099988877766@g.us_8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D3E_5521955554444@c.us'],
] as const;

const STORED_NOT_ANSWERED = ['private-fromme-echo.json', 'private-fromme-app.json', 'group-text.json'];

// An edit and a deletion of messages chatmem never had: taken, and they change nothing.
const CHANGES_OF_UNKNOWN = ['message-edited.json', 'message-revoked.json'];

const IGNORED = [
  'status-broadcast.json',
  'newsletter-post.json',
  'message-ack.json',
  'message-reaction.json',
  'session-status.json',
  'session-status-starting.json',
];

const stack = useTestStack();

describe('every WAHA fixture gives the right outcome', () => {
  it('answers user messages once, stores the bot’s own messages without answering, and ignores the rest', async () => {
    for (const name of IGNORED) {
      const answer = await stack.post(fixture(name));
      expect(answer.status, name).toBe(200);
      expect(answer.body.status, name).toBe('ignored');
      expect(answer.body.reason, name).toBeTruthy();
    }
    for (const name of CHANGES_OF_UNKNOWN) expect((await stack.post(fixture(name))).status, name).toBe(202);
    // WAHA serves the image it downloaded; the stand-in model sees what the file carries.
    const image = fixture('media-image-caption.json');
    stack.waha.serveMediaOf(image, 'bolo');
    for (const name of ANSWERED.map(([name]) => name)) {
      expect((await stack.post(fixture(name))).status, name).toBe(202);
    }
    await vi.waitUntil(() => stack.waha.sent.length >= ANSWERED.length && stack.waha.echoStatuses.length >= ANSWERED.length, WAIT_MS);
    // After the replies: a message typed on the bot's phone also hands the chat to the human.
    for (const name of STORED_NOT_ANSWERED) {
      expect((await stack.post(fixture(name))).status, name).toBe(202);
    }
    await vi.waitUntil(async () => (await stack.rows('SELECT count(*)::int AS n FROM messages'))[0].n === 17, WAIT_MS);
    // Settle: the last echoes are handled and nothing more is sent.
    for (const chat of ['5521988887777@c.us', '5521977776666@c.us', '5521966665555@c.us', '5521944443333@c.us', '120363099988877766@g.us']) await stack.idle(chat);

    expect(stack.waha.sent).toHaveLength(ANSWERED.length);
    for (const [name, replyChat, replyTo] of ANSWERED) {
      const event = fixture(name);
      const reply = stack.waha.sent.filter((call) => call.text.includes(event.payload.body));
      expect(reply, name).toHaveLength(1);
      expect(reply[0]!.chatId, name).toBe(replyChat);
      expect(reply[0]!.reply_to, name).toBe(replyTo);
    }

    for (const name of STORED_NOT_ANSWERED) {
      const event = fixture(name);
      const rows = await stack.rows('SELECT role FROM messages WHERE waha_message_id = $1', [event.payload.id]);
      expect(rows, name).toEqual([{ role: event.payload.fromMe ? 'assistant' : 'user' }]);
      expect(stack.waha.sent.some((call) => call.text.includes(event.payload.body)), name).toBe(false);
    }

    // An ack or a reaction names an existing message; the others carry a message of their own.
    expect(await stack.rows('SELECT * FROM message_changes')).toEqual([]);
    for (const name of [...IGNORED.filter((n) => !['message-ack.json', 'message-reaction.json'].includes(n)), ...CHANGES_OF_UNKNOWN]) {
      const event = fixture(name);
      const waId = typeof event.payload.id === 'string' ? event.payload.id.split('_')[2] : null;
      if (waId) expect(await stack.rows('SELECT 1 FROM messages WHERE wa_id = $1', [waId]), name).toEqual([]);
    }
    for (const chat of ['status@broadcast', '120363211122233344@newsletter']) {
      await expect(stack.client.workflow.getHandle(chatWorkflowId('default', chat)).describe()).rejects.toThrow(/not found/i);
    }

    // Each sent reply came back as an echo and was stored once, as the reply row itself.
    const assistantRows = await stack.rows<{ waha_message_id: string | null }>(
      "SELECT waha_message_id FROM messages WHERE role = 'assistant' AND source = 'api' ORDER BY id",
    );
    const sentIds = stack.waha.sent.map((call) => call.sentId).sort();
    const echoFixtureId = fixture('private-fromme-echo.json').payload.id;
    expect(assistantRows.map((r) => r.waha_message_id).filter((id) => id !== echoFixtureId).sort()).toEqual(sentIds);
  });
});

describe('chats in the database', () => {
  it('holds one row per conversation: an echo under another chat form leaves no empty chat', async () => {
    const chats = await stack.rows<{ chat_id: string; n: number }>(
      'SELECT s.chat_id, count(m.id)::int AS n FROM sessions s LEFT JOIN messages m ON m.session_id = s.id GROUP BY s.chat_id ORDER BY s.chat_id',
    );
    expect(chats.every((chat) => chat.n > 0)).toBe(true);
    expect(chats.map((chat) => chat.chat_id)).toEqual(
      ['120363099988877766@g.us', '5521944443333@c.us', '5521966665555@c.us', '5521977776666@c.us', '5521988887777@c.us'],
    );
  });
});
