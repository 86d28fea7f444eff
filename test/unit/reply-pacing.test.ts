import { describe, expect, it } from 'vitest';
import { MAX_REPLY_PARTS, replyPartClaimTokens, sendIntervalMs, splitReply, typingMsFor } from '../../src/domain/reply-pacing.js';

describe('splitting a long reply into messages', () => {
  it('keeps a reply that fits as one message', () => {
    expect(splitReply('  Olá! Tudo bem?  ', 50)).toEqual(['Olá! Tudo bem?']);
  });

  it('cuts between paragraphs first, and puts paragraphs that fit together', () => {
    const [a, b, c] = ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(60)];
    expect(splitReply(`${a}\n\n${b}\n\n${c}`, 70)).toEqual([`${a}\n\n${b}`, c]);
  });

  it('cuts a paragraph too long for one message between sentences, then words, then inside a word', () => {
    const sentence = 'Esta frase tem mais ou menos quarenta chars.';
    const parts = splitReply(`${sentence} ${sentence} ${sentence}\n\n${'x'.repeat(130)}`, 60);
    expect(parts.slice(0, 3)).toEqual([sentence, sentence, sentence]);
    expect(parts.slice(3)).toEqual(['x'.repeat(60), 'x'.repeat(60), 'x'.repeat(10)]);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(60);
  });

  it('loses no word of a 3,000-character reply', () => {
    const words = Array.from({ length: 500 }, (_, i) => `w${i}${i % 9 === 0 ? '.' : ''}`);
    const text = words.join(' ');
    const parts = splitReply(text, 400);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join(' ').split(/\s+/)).toEqual(words);
  });

  it('sends at most MAX_REPLY_PARTS messages, the last carrying the rest, each with a claim token of its own', () => {
    const parts = splitReply(Array.from({ length: 100 }, () => 'y'.repeat(90)).join('\n\n'), 100);
    expect(parts).toHaveLength(MAX_REPLY_PARTS);
    expect(parts.join('\n\n').length).toBe(100 * 90 + 99 * 2);
    expect(new Set(replyPartClaimTokens('t')).size).toBe(MAX_REPLY_PARTS);
    expect(replyPartClaimTokens('t')[0]).toBe('t');
  });
});

describe('typing time and send interval', () => {
  it('grows with the length up to the cap; 0 turns typing off', () => {
    expect(typingMsFor('abcd', { typingMsPerChar: 25, typingMaxMs: 4000 })).toBe(100);
    expect(typingMsFor('a'.repeat(1000), { typingMsPerChar: 25, typingMaxMs: 4000 })).toBe(4000);
    expect(typingMsFor('abcd', { typingMsPerChar: 0, typingMaxMs: 4000 })).toBe(0);
  });

  it('spaces sends by a minute over the rate, and not at all at 0', () => {
    expect(sendIntervalMs(30)).toBe(2000);
    expect(sendIntervalMs(0)).toBe(0);
  });
});
