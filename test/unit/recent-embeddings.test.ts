import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/clients/embedder.js';
import { withRecentEmbeddings } from '../../src/clients/recent-embeddings.js';

/** An embedder that records every call and can be made to fail. */
function countingEmbedder() {
  const calls: string[][] = [];
  let failing = false;
  const embedder: Embedder = {
    dimensions: 2,
    async embed(texts) {
      calls.push(texts);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failing) throw new Error('embeddings endpoint down');
      return texts.map((text) => [text.length, calls.length]);
    },
  };
  return { embedder, calls, fail: (value: boolean) => (failing = value) };
}

describe('recent embeddings', () => {
  it('embeds a user message once for the reply’s recall and for long-term memory', async () => {
    const inner = countingEmbedder();
    const embedder = withRecentEmbeddings(inner.embedder);
    const [asQuery] = await embedder.embed(['vocês abrem amanhã?']);
    const stored = await embedder.embed(['vocês abrem amanhã?', 'e no domingo?']);
    expect(stored[0]).toEqual(asQuery);
    expect(inner.calls).toEqual([['vocês abrem amanhã?'], ['e no domingo?']]);
  });

  it('joins a call still in flight for the same text, and keeps the order of what was asked', async () => {
    const inner = countingEmbedder();
    const embedder = withRecentEmbeddings(inner.embedder);
    const [first, second] = await Promise.all([embedder.embed(['a', 'bb']), embedder.embed(['bb', 'a', 'ccc'])]);
    expect(inner.calls).toEqual([['a', 'bb'], ['ccc']]);
    expect(second).toEqual([first![1], first![0], [3, 2]]);
  });

  it('does not keep a failure: the next call asks the endpoint again', async () => {
    const inner = countingEmbedder();
    const embedder = withRecentEmbeddings(inner.embedder);
    inner.fail(true);
    await expect(embedder.embed(['oi'])).rejects.toThrow('embeddings endpoint down');
    inner.fail(false);
    expect(await embedder.embed(['oi'])).toEqual([[2, 2]]);
  });

  it('forgets the least recently used texts past its capacity', async () => {
    const inner = countingEmbedder();
    const embedder = withRecentEmbeddings(inner.embedder, 2);
    await embedder.embed(['a']);
    await embedder.embed(['b']);
    await embedder.embed(['c']);
    await embedder.embed(['a']);
    expect(inner.calls).toEqual([['a'], ['b'], ['c'], ['a']]);
  });
});
