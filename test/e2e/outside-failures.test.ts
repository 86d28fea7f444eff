import { describe, expect, it, vi } from 'vitest';
import { variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();

const chat = '5521988887777@c.us';
const post = (waId: string, body: string) => stack.post(variant('private-text-incoming.json', { waId, body }));

describe('when the model or WAHA fail', () => {
  it('retries the model on 429 and 5xx, then answers once', async () => {
    stack.openai.failNext(429);
    stack.openai.failNext(503);
    await post('FAIL0001', 'primeira tentativa');
    await vi.waitUntil(() => stack.repliesTo('primeira tentativa').length === 1, 30_000);
    expect(stack.openai.requests.filter((r) => r.messages.at(-1)?.content === 'primeira tentativa')).toHaveLength(3);
  });

  it('does not retry a 4xx from the model; the message stays stored and the chat goes on', async () => {
    const before = stack.openai.replyPrompts().length;
    stack.openai.failNext(400);
    await post('FAIL0002', 'pergunta recusada');
    await post('FAIL0003', 'pergunta seguinte');
    await vi.waitUntil(() => stack.repliesTo('pergunta seguinte').length === 1, 30_000);
    expect(stack.repliesTo('pergunta recusada')).toHaveLength(0);
    expect(stack.openai.replyPrompts().length - before).toBe(2);
    expect(await stack.rows("SELECT role FROM messages WHERE wa_id = 'FAIL0002'")).toEqual([{ role: 'user' }]);
    expect((await stack.idle(chat)).replyFailures).toBe(1);
  });

  it('retries sendText on a 5xx and sends once; a 4xx is not retried and the reply stays stored', async () => {
    stack.waha.failNext(502);
    await post('FAIL0004', 'manda de novo');
    await vi.waitUntil(() => stack.repliesTo('manda de novo').length === 1, 30_000);
    expect(stack.waha.calls.filter((c) => c.path === '/api/sendText' && (c.body as any).text.startsWith('Re: manda de novo'))).toHaveLength(2);

    stack.waha.failNext(422);
    await post('FAIL0005', 'não entregue');
    const state = await vi.waitUntil(async () => {
      const s = await stack.chatState('default', chat);
      return s.replyFailures === 2 ? s : undefined;
    }, 30_000);
    expect(state.queueLength).toBe(0);
    expect(stack.waha.calls.filter((c) => c.path === '/api/sendText' && (c.body as any).text.startsWith('Re: não entregue'))).toHaveLength(1);
    const stored = await stack.rows("SELECT content, wa_id FROM messages WHERE role = 'assistant' AND content LIKE 'Re: não entregue%'");
    expect(stored).toEqual([{ content: expect.stringContaining('não entregue'), wa_id: null }]);
  });

  it('a send that reached WAHA but whose answer was lost is found in the chat, recorded, and not sent again', async () => {
    stack.waha.loseNextAnswer();
    await post('FAIL0006', 'resposta perdida');
    const sent = await vi.waitUntil(() => {
      const replies = stack.repliesTo('resposta perdida');
      return replies.length ? replies : undefined;
    }, WAIT_MS);
    await vi.waitUntil(async () => {
      const rows = await stack.rows("SELECT wa_id FROM messages WHERE role = 'assistant' AND content LIKE 'Re: resposta perdida%'");
      return rows[0]?.wa_id === sent[0]!.sentId.split('_').at(-1);
    }, WAIT_MS);
    expect(stack.repliesTo('resposta perdida')).toHaveLength(1);
    expect(stack.waha.calls.filter((c) => c.path.endsWith('/messages'))).not.toHaveLength(0);
    expect((await stack.idle(chat)).replyFailures).toBe(2);
  });
});
