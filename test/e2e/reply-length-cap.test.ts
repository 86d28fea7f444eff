import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack({ env: { REPLY_MAX_TOKENS: '120' } });

describe('REPLY_MAX_TOKENS', () => {
  it('caps what the model may write in a reply, and nothing else', async () => {
    const chat = '5521912340000@c.us';
    await stack.say(chat, 'meu nome é Dora; qual o horário de vocês?');
    await stack.replyTo('meu nome é Dora; qual o horário de vocês?');
    await stack.learned(chat, { timeoutMs: WAIT_MS });
    expect(stack.openai.replyPrompts().map((prompt) => prompt.maxTokens)).toEqual([120]);
    // Fact extraction (the summary model's JSON) keeps the model's own limit.
    const others = stack.openai.requests.filter((request) => !stack.openai.replyPrompts().includes(request));
    expect(others.length).toBeGreaterThan(0);
    expect(others.map((request) => request.maxTokens)).toEqual(others.map(() => null));
  });

  it('is unset by default: the model’s own limit', () => {
    expect(loadConfig({}).context.replyMaxTokens).toBeNull();
  });
});
