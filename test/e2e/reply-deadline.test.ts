import { describe, expect, it, vi } from 'vitest';
import { isReplyTo } from '../../src/offline/offline-model.js';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

// A short deadline, so that "the model is down past REPLY_DEADLINE" takes seconds here.
const DEADLINE_S = 30;
const stack = useTestStack({ env: { REPLY_DEADLINE: `${DEADLINE_S}s` } });

const repliesTo = (text: string) => stack.waha.sent.filter((call) => isReplyTo(call.text, text));
const attemptsFor = (text: string) => stack.openai.replyPrompts().filter((request) => request.messages.at(-1)?.content === text);
const stateOf = (chat: string) => stack.chatState('default', chat);
const detailsOf = async (chat: string) =>
  ((await stack.client.workflow.getHandle(chatWorkflowId('default', chat)).query('__temporal_workflow_metadata')) as { currentDetails: string }).currentDetails;
const unansweredCount = (text: string) => Number(/chatmem_replies_unanswered_total\{reason="deadline"\} (\d+)/.exec(text)?.[1] ?? 0);
const metrics = async () => (await fetch(stack.webhookUrl.replace('/webhooks/waha', '/metrics'))).text();

describe('REPLY_DEADLINE', () => {
  it('retries a model that is down for as long as the deadline allows, then answers once', async () => {
    const chat = '5521966660001@c.us';
    stack.openai.down(503);
    try {
      await stack.say(chat, 'espera por mim');
      await vi.waitUntil(() => attemptsFor('espera por mim').length >= 3, WAIT_MS);
    } finally {
      stack.openai.up();
    }
    await stack.replyTo('espera por mim');
    const state = await vi.waitUntil(async () => {
      const current = await stateOf(chat);
      return current.waiting === null ? current : undefined;
    }, WAIT_MS);
    expect(repliesTo('espera por mim')).toHaveLength(1);
    expect(state.unanswered).toBe(0);
  });

  it('shows the chat waiting; past the deadline nothing is sent, the message is unanswered with its reason in the state, the Web UI, inspect and the metric; chatmem retry answers it once', async () => {
    const chat = '5521966660002@c.us';
    const givenUpBefore = unansweredCount(await metrics());
    stack.openai.down(503);
    let state;
    try {
      await stack.say(chat, 'tarde demais');
      await vi.waitUntil(() => attemptsFor('tarde demais').length >= 2, WAIT_MS);
      // The reply holds its workflow task while it retries: queries are answered when that task
      // is renewed (every few seconds), so both are asked at once.
      const [waiting, details] = await Promise.all([stateOf(chat), detailsOf(chat)]);
      expect(waiting.waiting?.messages).toBe(1);
      expect(details).toContain('**Waiting for a reply:** 1 message(s) since');
      state = await vi.waitUntil(async () => {
        const current = await stateOf(chat);
        return current.unanswered === 1 ? current : undefined;
      }, (DEADLINE_S + 30) * 1000);
    } finally {
      stack.openai.up();
    }
    expect(repliesTo('tarde demais')).toHaveLength(0);
    expect(state.lastUnanswered?.reason).toMatch(/REPLY_DEADLINE passed at .* while the model or WAHA kept failing/);
    expect(state.waiting).toBeNull();
    expect(await detailsOf(chat)).toMatch(/\*\*Unanswered:\*\* 1 \(`chatmem retry` answers them\); last: .*REPLY_DEADLINE passed/);
    expect(unansweredCount(await metrics())).toBe(givenUpBefore + 1);
    const inspected = await stack.chatmem('inspect', chat);
    expect(inspected.output).toMatch(/unanswered: 1 \(chatmem retry 5521966660002@c\.us answers them\); last: .*REPLY_DEADLINE passed/);

    // The chat went on meanwhile: the retry answers the old message, not the newest one.
    await stack.say(chat, 'e agora?');
    await stack.replyTo('e agora?');
    const retried = await stack.chatmem('retry', chat);
    expect(retried).toMatchObject({ code: 0, output: expect.stringContaining('answering 1 unanswered message(s) of 5521966660002@c.us again') });
    await stack.replyTo('tarde demais');
    await vi.waitUntil(async () => (await stateOf(chat)).unanswered === 0 && (await stateOf(chat)).retrying === 0, WAIT_MS);
    expect((await stack.chatmem('retry', chat)).output).toContain('has no unanswered messages');
    expect(repliesTo('tarde demais')).toHaveLength(1);
    expect(repliesTo('e agora?')).toHaveLength(1);
  });

  it("waits as long as the model's Retry-After asks before trying again", async () => {
    const chat = '5521966660003@c.us';
    stack.openai.failNext(429, 1, 3);
    await stack.say(chat, 'devagar');
    await stack.replyTo('devagar');
    const [first, second] = attemptsFor('devagar');
    // Temporal's own first backoff is 1 s; the model asked for 3.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2_900);
    expect(repliesTo('devagar')).toHaveLength(1);
  });
});
