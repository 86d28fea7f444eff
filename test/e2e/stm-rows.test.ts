import { describe, expect, it, vi } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack({ env: { GROUP_REPLY: 'always' } });

const at = (seconds: number) => new Date(seconds * 1000);

async function rowsOfChat(chatId: string) {
  return stack.rows(
    `SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 ORDER BY m.id`,
    [chatId],
  );
}

describe('PostgreSQL rows follow the seed mapping', () => {
  it('a private message: session and messages, field by field', async () => {
    const event = fixture('private-text-incoming.json');
    await stack.post(event);
    const sent = await vi.waitUntil(() => stack.waha.sent.find((call) => call.chatId === '5521988887777@c.us'), WAIT_MS);
    await vi.waitUntil(async () => (await rowsOfChat('5521988887777@c.us')).every((row) => row.wa_id), WAIT_MS);

    const [session] = await stack.rows("SELECT * FROM sessions WHERE chat_id = '5521988887777@c.us'");
    expect(session).toMatchObject({
      waha_session: 'default',
      chat_id: '5521988887777@c.us',
      user_id: '5521988887777@c.us',
      is_group: false,
      profile_name: 'Beatriz Nogueira',
      summary: null,
    });
    expect(session.last_interaction_at.getTime()).toBeGreaterThanOrEqual(at(1780000000).getTime());

    const [user, reply] = await rowsOfChat('5521988887777@c.us');
    expect(user).toMatchObject({
      session_id: session.id,
      waha_session: 'default',
      role: 'user',
      content: 'Oi! Vocês abrem amanhã cedo?',
      from_me: false,
      source: 'app',
      waha_message_id: event.payload.id,
      wa_id: 'B1A2C3D4E5F60718293A4B5C6D7E8F90',
      actor_id: '5521988887777@c.us',
      sender_name: 'Beatriz Nogueira',
      has_media: false,
      media_mimetype: null,
      in_reply_to: null,
      created_at: at(1780000000),
    });
    expect(reply).toMatchObject({
      session_id: session.id,
      role: 'assistant',
      content: sent.text,
      from_me: true,
      source: 'api',
      waha_message_id: sent.sentId,
      actor_id: '5521900000001@c.us',
      in_reply_to: event.payload.id,
    });
  });

  it('a group message: the group is the session, the participant the actor', async () => {
    const event = fixture('group-text.json');
    await stack.post(event);
    await vi.waitUntil(() => stack.waha.sent.find((call) => call.chatId === '120363099988877766@g.us'), WAIT_MS);

    const [session] = await stack.rows("SELECT * FROM sessions WHERE chat_id = '120363099988877766@g.us'");
    expect(session).toMatchObject({ waha_session: 'default', user_id: '120363099988877766@g.us', is_group: true, profile_name: null });
    const [user] = await rowsOfChat('120363099988877766@g.us');
    expect(user).toMatchObject({
      role: 'user',
      content: 'Gente, alguém sabe se o café abre no feriado?',
      from_me: false,
      waha_message_id: event.payload.id,
      wa_id: '7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D',
      actor_id: '5521955554444@c.us',
      sender_name: 'Marcos Dias',
      created_at: at(1780000400),
    });
    const prompt = stack.openai.replyPrompts().at(-1)!.messages;
    expect(prompt.at(-1)).toEqual({ role: 'user', content: 'Marcos Dias: Gente, alguém sabe se o café abre no feriado?' });
  });

  it('a media message keeps its caption and type; one typed on the phone is the bot’s own', async () => {
    const image = fixture('media-image-caption.json');
    stack.waha.serveMediaOf(image, 'um bolo de cenoura');
    await stack.post(image);
    await stack.post(fixture('private-fromme-app.json'));
    await vi.waitUntil(async () => (await stack.rows("SELECT 1 FROM messages WHERE wa_id IN ('3A99887766554433CCDD', '3A55AA66BB77CC88DD99')")).length === 2, WAIT_MS);
    const [media] = await stack.rows("SELECT * FROM messages WHERE wa_id = '3A99887766554433CCDD'");
    expect(media).toMatchObject({ role: 'user', content: `[image: um bolo de cenoura] ${image.payload.body}`, has_media: true, media_mimetype: 'image/jpeg' });
    const [typed] = await stack.rows("SELECT * FROM messages WHERE wa_id = '3A55AA66BB77CC88DD99'");
    expect(typed).toMatchObject({ role: 'assistant', from_me: true, source: 'app', actor_id: '5521900000001@c.us', sender_name: 'Café Aurora' });
  });
});
