import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/test-stack.js';

// A worker keeps MAX_CACHED_CHATS chats in memory; the others are rebuilt from their history when next needed.
const stack = useTestStack({ env: { MAX_CACHED_CHATS: '2', MAX_CONCURRENT_REPLIES: '2' } });

describe('more chats than the worker keeps in memory', () => {
  it('holds no more than MAX_CACHED_CHATS in memory, and a chat that left it answers with everything it had', async () => {
    const chats = Array.from({ length: 5 }, (_, i) => `55219555000${i}@c.us`);
    const cached: number[] = [];
    for (const [i, chat] of chats.entries()) {
      await stack.say(chat, `meu nome é Pessoa${i}`);
      await stack.replyTo(`meu nome é Pessoa${i}`);
      cached.push(stack.worker.getStatus().numCachedWorkflows);
    }
    expect(Math.max(...cached)).toBe(2);

    // The first chat left memory three chats ago: its second message is answered from the transcript its history rebuilt.
    await stack.say(chats[0]!, 'como eu me chamo?');
    await stack.replyTo('como eu me chamo?');
    const prompt = stack.openai.replyPrompts().at(-1)!;
    expect(prompt.messages.map((message) => message.content)).toEqual(expect.arrayContaining([expect.stringContaining('meu nome é Pessoa0')]));
    const state = await stack.idle(chats[0]!);
    expect(state).toMatchObject({ messagesSeen: 2, repliesSent: 2 });
    expect(stack.repliesTo('meu nome é Pessoa0')).toHaveLength(1);
    expect(stack.repliesTo('como eu me chamo?')).toHaveLength(1);
  });
});
