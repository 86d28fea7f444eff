import { describe, expect, it } from 'vitest';
import { dedupeKey } from '../../src/domain/inbound-message.js';
import { decideReply } from '../../src/domain/reply-policy.js';
import { ID_LIMITS, interpretWahaEvent } from '../../src/domain/waha-event.js';
import { fixture, variant } from '../support/fixtures.js';
import { holdsUnsafeText, poisonedFixtures } from '../support/hostile-bodies.js';

const BOT = { meId: '5521900000001@c.us', meLid: '99887766554433@lid' };

function messageOf(name: string) {
  const outcome = interpretWahaEvent(fixture(name));
  if (outcome.kind !== 'message') throw new Error(`${name}: expected a message, got ${outcome.kind}: ${(outcome as any).reason}`);
  return outcome.message;
}

describe('normalizing WAHA message events into the seed record', () => {
  it('GOWS private message', () => {
    expect(messageOf('private-text-incoming.json')).toEqual({
      session: 'default',
      ...BOT,
      chatId: '5521988887777@c.us',
      replyChatId: '5521988887777@c.us',
      isGroupChat: false,
      actorId: '5521988887777@c.us',
      contactId: '5521988887777@c.us',
      fromMe: false,
      source: 'app',
      messageId: 'false_5521988887777@c.us_B1A2C3D4E5F60718293A4B5C6D7E8F90',
      waId: 'B1A2C3D4E5F60718293A4B5C6D7E8F90',
      body: 'Oi! Vocês abrem amanhã cedo?',
      hasMedia: false,
      mediaMimetype: null,
      timestamp: 1780000000,
      ltmId: '5521988887777@c.us',
      senderName: 'Beatriz Nogueira',
      mentionsMe: false,
      engine: 'GOWS',
      eventId: 'evt_01kq0a1b2c3d4e5f6g7h8j9k0m',
    });
  });

  it('WEBJS and NOWEB private messages give the same fields, with each engine’s display name', () => {
    const webjs = messageOf('private-text-incoming-webjs.json');
    expect(webjs).toMatchObject({ chatId: '5521977776666@c.us', actorId: '5521977776666@c.us', senderName: 'Rodrigo Tavares', engine: 'WEBJS', fromMe: false });
    const noweb = messageOf('private-text-incoming-noweb.json');
    expect(noweb).toMatchObject({ chatId: '5521966665555@c.us', actorId: '5521966665555@c.us', senderName: 'Helena Prado', engine: 'NOWEB', fromMe: false });
  });

  it('group message: the group is the chat and the ltm anchor, the participant is the actor', () => {
    expect(messageOf('group-text.json')).toMatchObject({
      chatId: '120363099988877766@g.us',
      replyChatId: '120363099988877766@g.us',
      isGroupChat: true,
      actorId: '5521955554444@c.us',
      contactId: '5521955554444@c.us',
      ltmId: '120363099988877766@g.us',
      waId: '7A8B9C0D1E2F3A4B5C6D7E8F9A0B1C2D',
      senderName: 'Marcos Dias',
      mentionsMe: false,
    });
  });

  it('detects a mention of the bot by phone id, by lid, and in the engine’s mention lists', () => {
    expect(messageOf('group-mention.json').mentionsMe).toBe(true);
    const byLidInBody = variant('group-text.json', { body: 'bom dia @99887766554433, tudo certo?' });
    expect((interpretWahaEvent(byLidInBody) as any).message.mentionsMe).toBe(true);
    const listOnly = variant('group-text.json', { body: 'alguém sabe?' });
    listOnly.payload._data.message.extendedTextMessage.contextInfo.mentionedJid = ['99887766554433@lid'];
    expect((interpretWahaEvent(listOnly) as any).message.mentionsMe).toBe(true);
    const someoneElse = variant('group-text.json', { body: '@5521955554444 e você?' });
    expect((interpretWahaEvent(someoneElse) as any).message.mentionsMe).toBe(false);
  });

  it('fromMe messages: the bot is the actor; the API echo and a phone-typed message keep their source', () => {
    const echo = messageOf('private-fromme-echo.json');
    expect(echo).toMatchObject({ fromMe: true, source: 'api', actorId: BOT.meId, contactId: '5521988887777@c.us', waId: '3EB0AA11BB22CC33DD44EE', senderName: 'Café Aurora' });
    expect(messageOf('private-fromme-app.json')).toMatchObject({ fromMe: true, source: 'app', actorId: BOT.meId });
  });

  it('a WEBJS fromMe message takes its chat from the id, not from `from` (which is the bot)', () => {
    const event = variant('private-text-incoming-webjs.json');
    event.event = 'message.any';
    event.payload = { ...event.payload, id: 'true_5521977776666@c.us_3EB0FFEE', fromMe: true, source: 'api', from: BOT.meId, to: '5521977776666@c.us' };
    expect((interpretWahaEvent(event) as any).message).toMatchObject({ chatId: '5521977776666@c.us', actorId: BOT.meId, fromMe: true });
  });

  it('media: caption as body, and a media message without caption has a null body', () => {
    expect(messageOf('media-image-caption.json')).toMatchObject({ body: 'Consegue fazer um bolo assim?', hasMedia: true, mediaMimetype: 'image/jpeg' });
    const noCaption = variant('media-image-caption.json', { body: '' });
    expect((interpretWahaEvent(noCaption) as any).message).toMatchObject({ body: null, hasMedia: true });
    const nullCaption = variant('media-image-caption.json');
    nullCaption.payload.body = null;
    expect((interpretWahaEvent(nullCaption) as any).message.body).toBeNull();
  });

  it('maps an @lid chat to its phone chat when the engine carries it, and replies to the chat as WAHA named it', () => {
    expect(messageOf('lid-sender.json')).toMatchObject({
      chatId: '5521944443333@c.us',
      replyChatId: '27182818284590@lid',
      contactId: '5521944443333@c.us',
      ltmId: '5521944443333@c.us',
      waId: '5D6E7F8091A2B3C4D5E6F708192A3B4C',
    });
    const gows = variant('private-text-incoming.json', { chat: '27182818284590@lid' });
    gows.payload._data.Info.SenderAlt = '5521944443333@s.whatsapp.net';
    expect((interpretWahaEvent(gows) as any).message.chatId).toBe('5521944443333@c.us');
    const unknown = variant('lid-sender.json');
    delete unknown.payload._data.key.remoteJidAlt;
    expect((interpretWahaEvent(unknown) as any).message.chatId).toBe('27182818284590@lid');
  });
});

describe('events that are not answered', () => {
  it.each([
    ['status-broadcast.json', /status broadcast/],
    ['newsletter-post.json', /newsletter/],
    ['message-ack.json', /message\.ack/],
    ['message-reaction.json', /message\.reaction/],
    ['session-status.json', /session\.status/],
    ['session-status-starting.json', /session\.status/],
  ])('%s is ignored with a reason', (name, reason) => {
    const outcome = interpretWahaEvent(fixture(name));
    expect(outcome.kind).toBe('ignored');
    expect((outcome as any).reason).toMatch(reason);
  });
});

describe('locations, contacts and polls become text', () => {
  it.each([
    ['location-shared.json', '[location: Confeitaria Colombo, Av. Atlântica 1702, Copacabana (-22.9711, -43.1822)]'],
    ['contact-card.json', '[contact: Ana Souza +55 21 91234-5678]'],
    ['poll-created.json', '[poll: Qual sabor de bolo para sábado? options: Cenoura com chocolate / Fubá / Limão]'],
  ])('%s', (name, body) => {
    const message = messageOf(name);
    expect(message.body).toBe(body);
    expect(decideReply(message, { groupReply: 'always' })).toEqual({ answer: true });
  });

  it('keeps a caption beside what is shared, and several contacts in one line', () => {
    const event = fixture('location-shared.json');
    event.payload.body = 'é aqui!';
    expect((interpretWahaEvent(event) as any).message.body).toMatch(/^\[location: .*\] é aqui!$/);
    const cards = fixture('contact-card.json');
    cards.payload.vCards.push('BEGIN:VCARD\nVERSION:3.0\nN:Lima;Bruno;;;\nTEL:+55 21 98888-7777\nEND:VCARD');
    expect((interpretWahaEvent(cards) as any).message.body).toBe('[contacts: Ana Souza +55 21 91234-5678; Bruno Lima +55 21 98888-7777]');
  });
});

describe('edits and deletions', () => {
  it('message.edited (NOWEB) is a change to the edited message, carrying its new text', () => {
    const edit = messageOf('message-edited.json');
    expect(edit).toMatchObject({ chatId: '5521966665555@c.us', fromMe: false, body: 'Boa noite, fazem entrega de bolo? Em Copacabana.', change: { kind: 'edited', targetWaId: '4C5D6E7F8091A2B3C4D5E6F708192A3B' } });
    expect(decideReply(edit, { groupReply: 'always' })).toMatchObject({ answer: false });
  });

  it('message.revoked (GOWS) is a deletion of the revoked message, with no text', () => {
    const revoke = messageOf('message-revoked.json');
    expect(revoke).toMatchObject({ chatId: '5521988887777@c.us', fromMe: false, body: null, hasMedia: false, change: { kind: 'revoked', targetWaId: 'C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7' } });
    expect(decideReply(revoke, { groupReply: 'always' })).toMatchObject({ answer: false });
  });

  it('a change named by WAHA’s full message id targets the bare WhatsApp id', () => {
    const event = fixture('message-edited.json');
    event.payload.editedMessageId = 'false_5521966665555@c.us_4C5D6E7F8091A2B3C4D5E6F708192A3B';
    expect((interpretWahaEvent(event) as any).message.change.targetWaId).toBe('4C5D6E7F8091A2B3C4D5E6F708192A3B');
  });

  it('each change has its own dedupe key, apart from the message it changes', () => {
    const original = messageOf('private-text-incoming.json');
    const edit = (eventId: string) => {
      const event = fixture('message-edited.json');
      event.id = eventId;
      event.payload.id = original.messageId;
      event.payload.editedMessageId = original.waId;
      return (interpretWahaEvent(event) as any).message;
    };
    // WEBJS names an edit by the edited message's own id: the event id tells the edits apart.
    const keys = [dedupeKey(original), dedupeKey(edit('evt_a')), dedupeKey(edit('evt_b')), dedupeKey(edit('evt_a'))];
    expect(new Set(keys).size).toBe(3);
    expect(keys[3]).toBe(keys[1]);
  });

  it.each([
    ['an edit without editedMessageId', { ...fixture('message-edited.json'), payload: { ...fixture('message-edited.json').payload, editedMessageId: undefined } }, /editedMessageId/],
    ['a deletion without revokedMessageId', { ...fixture('message-revoked.json'), payload: { ...fixture('message-revoked.json').payload, revokedMessageId: undefined } }, /revokedMessageId/],
    ['a deletion without the message', { ...fixture('message-revoked.json'), payload: { revokedMessageId: 'C2D3', after: null, before: null } }, /payload\.before/],
  ])('%s is invalid with a reason', (_label, body, reason) => {
    const outcome = interpretWahaEvent(body);
    expect(outcome.kind).toBe('invalid');
    expect((outcome as any).reason).toMatch(reason);
  });
});

describe('bodies that are not WAHA events', () => {
  it.each([
    ['an array', []],
    ['no event', { session: 'default', payload: {} }],
    ['a message without payload.id', { event: 'message', session: 'default', payload: { from: 'x@c.us', fromMe: false, timestamp: 1 } }],
    ['a message id of another shape', { event: 'message', session: 'default', payload: { id: 'ABC', from: 'x@c.us', fromMe: false, timestamp: 1 } }],
    ['fromMe as a string', { ...fixture('private-text-incoming.json'), payload: { ...fixture('private-text-incoming.json').payload, fromMe: 'false' } }],
  ])('%s is invalid with a reason', (_label, body) => {
    const outcome = interpretWahaEvent(body);
    expect(outcome.kind).toBe('invalid');
    expect((outcome as any).reason.length).toBeGreaterThan(10);
  });
});

describe('hostile bodies are made safe or refused at the door', () => {
  it('a NUL or a lone surrogate in any string field of any fixture never reaches the message', () => {
    let messages = 0;
    for (const { label, body } of poisonedFixtures()) {
      const outcome = interpretWahaEvent(body);
      if (outcome.kind === 'message') {
        messages += 1;
        expect(holdsUnsafeText(outcome.message), label).toBe(false);
      } else {
        expect(outcome.reason.length, label).toBeGreaterThan(10);
        expect(holdsUnsafeText(outcome.reason), label).toBe(false);
      }
    }
    // Most fields are harmless once cleaned: the message still goes through.
    expect(messages).toBeGreaterThan(300);
  });

  it('keeps the rest of the text around a NUL or a lone surrogate', () => {
    const message = (interpretWahaEvent(variant('private-text-incoming.json', { body: 'bom\u0000 dia \ud800!' })) as any).message;
    expect(message.body).toBe('bom dia \ufffd!');
  });

  it('cuts a long body at the configured length, with a marker, without splitting an emoji', () => {
    const long = variant('private-text-incoming.json', { body: 'a'.repeat(999) + '😀' + 'b'.repeat(5000) });
    const body: string = (interpretWahaEvent(long, { maxMessageChars: 1000 }) as any).message.body;
    expect(body.startsWith('a'.repeat(999) + ' [')).toBe(true);
    expect(body).toMatch(/\[… 5,002 more characters not kept\]$/);
    expect(body.isWellFormed()).toBe(true);
    const fits = variant('private-text-incoming.json', { body: 'c'.repeat(1000) });
    expect((interpretWahaEvent(fits, { maxMessageChars: 1000 }) as any).message.body).toBe('c'.repeat(1000));
  });

  it.each([
    ['session', (event: any, huge: string) => (event.session = huge), /session/],
    ['payload.id', (event: any, huge: string) => (event.payload.id = `false_${huge}@c.us_ABC`), /payload\.id/],
    ['payload.from', (event: any, huge: string) => (event.payload.from = huge), /payload\.from/],
    ['payload.participant', (event: any, huge: string) => (event.payload.participant = huge), /payload\.participant/],
    ['me.id', (event: any, huge: string) => (event.me.id = huge), /me\.id/],
  ])('refuses an id of 100 KB in %s with a 400 reason that names it', (_field, change, reason) => {
    const event = variant('group-mention.json');
    change(event, '5'.repeat(100 * 1024));
    const outcome = interpretWahaEvent(event);
    expect(outcome.kind).toBe('invalid');
    expect((outcome as any).reason).toMatch(reason);
  });

  it('keeps every id it lets through inside the caps, so the workflow id stays within Temporal’s limit', () => {
    const event = variant('lid-sender.json');
    event.payload._data.key.remoteJidAlt = `${'5'.repeat(100 * 1024)}@s.whatsapp.net`;
    const message = (interpretWahaEvent(event) as any).message;
    expect(message.chatId).toBe('27182818284590@lid');
    const longest = variant('private-text-incoming.json', { chat: `${'7'.repeat(ID_LIMITS.chat - 5)}@c.us` });
    longest.session = 's'.repeat(ID_LIMITS.session);
    expect(interpretWahaEvent(longest).kind).toBe('message');
  });

  it('refuses a timestamp that is no WhatsApp time, and an id that is only NUL characters', () => {
    const late = variant('private-text-incoming.json');
    late.payload.timestamp = 1e300;
    expect((interpretWahaEvent(late) as any).reason).toMatch(/payload\.timestamp/);
    const empty = variant('private-text-incoming.json');
    empty.session = '\u0000\u0000';
    expect((interpretWahaEvent(empty) as any).reason).toMatch(/session/);
  });
});
