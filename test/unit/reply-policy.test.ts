import { describe, expect, it } from 'vitest';
import { decideReply, type GroupReplyMode } from '../../src/domain/reply-policy.js';
import { fixture, variant } from '../support/fixtures.js';
import { messageOf } from '../support/inbound.js';

const decide = (event: unknown, groupReply: GroupReplyMode = 'mention') => decideReply(messageOf(event), { groupReply }).answer;

describe('which stored messages get an answer', () => {
  it('answers a user in a private chat, including a media message without caption', () => {
    expect(decide(fixture('private-text-incoming.json'))).toBe(true);
    expect(decide(variant('media-image-caption.json', { body: '' }))).toBe(true);
  });

  it('never answers the bot’s own messages: neither the API echo nor one typed on the phone', () => {
    expect(decide(fixture('private-fromme-echo.json'))).toBe(false);
    expect(decide(fixture('private-fromme-app.json'))).toBe(false);
  });

  it('follows GROUP_REPLY in groups', () => {
    const plain = fixture('group-text.json');
    const mention = fixture('group-mention.json');
    expect([decide(plain, 'mention'), decide(mention, 'mention')]).toEqual([false, true]);
    expect([decide(plain, 'always'), decide(mention, 'always')]).toEqual([true, true]);
    expect([decide(plain, 'never'), decide(mention, 'never')]).toEqual([false, false]);
  });
});

describe('human takeover', () => {
  it('is a fromMe message typed on the phone, never the echo of an API send or a user message', async () => {
    const { isHumanTakeover } = await import('../../src/domain/reply-policy.js');
    expect(isHumanTakeover(messageOf(fixture('private-fromme-app.json')))).toBe(true);
    expect(isHumanTakeover(messageOf(fixture('private-fromme-echo.json')))).toBe(false);
    expect(isHumanTakeover(messageOf(fixture('private-text-incoming.json')))).toBe(false);
  });
});
