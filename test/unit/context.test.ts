import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { assembleContext, type ContextInput } from '../../src/domain/context.js';
import type { TranscriptLine } from '../../src/domain/prompt.js';

const line = (role: TranscriptLine['role'], content: string, senderName: string | null = null): TranscriptLine => ({
  role,
  content,
  senderName,
  actorId: senderName ? `${senderName}@c.us` : 'x@c.us',
  hasMedia: false,
});

function input(overrides: Partial<ContextInput> = {}): ContextInput {
  return {
    systemPrompt: 'You are the bakery assistant.',
    isGroupChat: false,
    summary: 'Beatriz asked about opening hours and ordered bread.',
    knowledge: [
      { text: 'name: Beatriz', score: 0.9 },
      { text: 'favorite bread: sourdough', score: 0.5 },
    ],
    memories: [
      { text: '[2026-01-02] I am allergic to nuts', score: 0.8 },
      { text: '[2026-01-01] hello there', score: 0.2 },
    ],
    window: [line('user', 'old question'), line('assistant', 'old answer'), line('user', 'do you have bread today?')],
    mustKeep: 1,
    budgetTokens: 10_000,
    countTokens,
    ...overrides,
  };
}

describe('context assembly under a token budget', () => {
  it('puts knowledge, summary and memories in the system message and the transcript after it', () => {
    const { messages, tokens, dropped } = assembleContext(input());
    expect(messages[0]!.role).toBe('system');
    for (const part of ['You are the bakery assistant.', 'name: Beatriz', 'Beatriz asked about opening hours', 'allergic to nuts']) {
      expect(messages[0]!.content).toContain(part);
    }
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'old question' },
      { role: 'assistant', content: 'old answer' },
      { role: 'user', content: 'do you have bread today?' },
    ]);
    expect(tokens).toBe(messages.reduce((sum, m) => sum + 4 + countTokens(m.content), 0));
    expect(dropped).toEqual({ memories: 0, windowLines: 0, knowledge: 0, summaryTruncated: false });
  });

  it('trims the least valuable parts first and never the message being answered', () => {
    const full = assembleContext(input()).tokens;
    const lessMemories = assembleContext(input({ budgetTokens: full - 1 }));
    expect(lessMemories.dropped.memories).toBe(1);
    expect(lessMemories.messages[0]!.content).toContain('allergic to nuts'); // the better memory stays
    expect(lessMemories.messages[0]!.content).not.toContain('hello there');

    const tight = assembleContext(input({ budgetTokens: 60 }));
    expect(tight.tokens).toBeLessThanOrEqual(60);
    expect(tight.messages.at(-1)).toEqual({ role: 'user', content: 'do you have bread today?' });
    expect(tight.dropped.memories).toBe(2);
    expect(tight.dropped.windowLines).toBe(2);
    expect(tight.messages[0]!.content).toContain('You are the bakery assistant.');
  });

  it('names the speaker of every user line in groups', () => {
    const { messages } = assembleContext(input({ isGroupChat: true, window: [line('user', 'bom dia', 'Marcos'), line('user', 'oi', 'Ana')], mustKeep: 1 }));
    expect(messages.slice(1).map((m) => m.content)).toEqual(['Marcos: bom dia', 'Ana: oi']);
  });
});
