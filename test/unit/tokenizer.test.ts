import { countTokens as countInOnePiece } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { countTokens, countTokensYielding } from '../../src/clients/tokenizer.js';

const ORDINARY = [
  'Oi! Vocês abrem amanhã cedo? Queria encomendar um bolo de chocolate para sábado.',
  'My name is Ana and I live in Recife.\n\nCould you send me the menu at https://example.com/menu?lang=en',
  '营业时间是几点？我想订一个蛋糕。',
  'ok 👍👍 obrigado!!!  até   logo',
];

describe('token counting', () => {
  it('counts ordinary text as the tokenizer does in one piece', () => {
    for (const text of ORDINARY) expect(countTokens(text), text).toBe(countInOnePiece(text));
    const long = Array.from({ length: 400 }, (_, i) => `${ORDINARY[i % ORDINARY.length]} (${i})`).join('\n');
    expect(long.length).toBeGreaterThan(20_000);
    // Cut into segments before a space: a token or so apart per segment at most.
    expect(Math.abs(countTokens(long) - countInOnePiece(long))).toBeLessThanOrEqual(long.length / 4096 + 1);
  });

  it('counts a megabyte of one repeated character, of spaces and of emoji, close to the tokenizer', () => {
    // The tokenizer alone needs minutes for these; its counts are 8 letters, 64 spaces, 1 emoji a token.
    expect(countTokens('a'.repeat(1_000_000))).toBe(125_000);
    expect(countTokens(' '.repeat(1_000_000))).toBe(15_625);
    expect(countTokens('😀'.repeat(500_000))).toBe(500_000);
    const mixed = `${'x'.repeat(300_000)} tail of the message ${'中'.repeat(300_000)}`;
    expect(countTokens(mixed)).toBe(countTokens('x'.repeat(300_000)) + countTokens(' tail of the message ') + countTokens('中'.repeat(300_000)));
  });

  it('gives the same count when it yields to the event loop between segments', async () => {
    for (const text of [...ORDINARY, 'b'.repeat(200_000), `${ORDINARY.join(' ')} `.repeat(2_000)]) {
      expect(await countTokensYielding(text)).toBe(countTokens(text));
    }
  });
});
