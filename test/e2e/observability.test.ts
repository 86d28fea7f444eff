import { describe, expect, it, vi } from 'vitest';
import { fixture, variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bareEnv, runEntry } from '../support/child-process.js';
import { capturedLogs, TEST_SECRETS } from '../support/stack.js';
import { useTestStack } from '../support/test-stack.js';

const HMAC_KEY = 'hmac-secret-7d41c0aa';

const stack = useTestStack({ env: { WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY } });

const url = (path: string) => stack.webhookUrl.replace('/webhooks/waha', path);

describe('readiness', () => {
  it('is ready with Temporal and the database up, unready while Temporal is down, and ready again after', async () => {
    const ready = await fetch(url('/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { temporal: 'up', database: 'up' } });

    stack.proxy.cut();
    const down = await fetch(url('/readyz'));
    expect(down.status).toBe(503);
    expect((await down.json()).checks.temporal).toBe('down');

    stack.proxy.restore();
    await vi.waitUntil(async () => (await fetch(url('/readyz'))).status === 200, 30_000);
  });

  it('is unready while the database is down, and ready again after', async () => {
    stack.dbProxy.cut();
    const down = await fetch(url('/readyz'));
    expect(down.status).toBe(503);
    expect((await down.json()).checks).toEqual({ temporal: 'up', database: 'down' });
    stack.dbProxy.restore();
    await vi.waitUntil(async () => (await fetch(url('/readyz'))).status === 200, 30_000);
  });
});

/** A histogram of /metrics now: how many it observed, and how many of those at most `le`. */
async function histogram(name: string, le: string): Promise<{ count: number; under: number }> {
  const body = await (await fetch(url('/metrics'))).text();
  const value = (series: string) => Number(body.match(new RegExp(`^${series} (\\d+)$`, 'm'))?.[1] ?? NaN);
  return { count: value(`${name}_count`), under: value(`${name}_bucket\\{le="${le}"\\}`) };
}

describe('metrics and logs', () => {
  it('GET /metrics counts webhook outcomes, times stages and counts model tokens', async () => {
    await stack.post(fixture('message-ack.json'));
    await stack.post(variant('private-text-incoming.json', { waId: 'OBS1', body: 'quanto custa o pão?' }));
    await vi.waitUntil(() => stack.waha.sent.length === 1, WAIT_MS);
    // sendReply's timer stops when the activity returns, just after WAHA got the message.
    const text = await vi.waitUntil(async () => {
      const body = await (await fetch(url('/metrics'))).text();
      return /chatmem_stage_seconds_count\{stage="sendReply"/.test(body) ? body : undefined;
    }, WAIT_MS);
    expect(text).toMatch(/chatmem_webhook_requests_total\{outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/chatmem_webhook_requests_total\{outcome="ignored"\} 1/);
    for (const stage of ['webhook', 'recordInbound', 'composeReply', 'sendReply']) {
      expect(text).toMatch(new RegExp(`chatmem_stage_seconds_count\\{stage="${stage}",result="[a-z]+"\\} [1-9]`));
    }
    expect(text).toMatch(/chatmem_llm_tokens_total\{model="test-chat-model",kind="prompt"\} [1-9]/);
  });

  it('shows how long messages waited for their chat: one queued behind a slow reply waited as long', async () => {
    const chat = '5521933334444@c.us';
    const gate = stack.openai.hold((lastUser) => lastUser.includes('primeira pergunta'));
    const waits = async () => {
      const { count, under } = await histogram('chatmem_message_wait_seconds', '1');
      return { count, underOneSecond: under };
    };
    const before = await waits();
    await stack.say(chat, 'primeira pergunta');
    await vi.waitUntil(() => stack.openai.replyPrompts().some((prompt) => prompt.messages.at(-1)?.content.includes('primeira pergunta')), WAIT_MS);
    await stack.say(chat, 'segunda pergunta');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    gate.release();
    await stack.replyTo('segunda pergunta');
    const after = await waits();
    // Both were stored and timed; the second waited behind the first reply, past a second.
    expect(after.count - before.count).toBe(2);
    expect(after.underOneSecond - before.underOneSecond).toBe(1);
  });

  it('shows how long after it came each user message was learned: never sooner than LEARNING_PAUSE', async () => {
    const chat = '5521933335555@c.us';
    const lags = async () => {
      const { count, under } = await histogram('chatmem_learning_lag_seconds', '2.5');
      return { count, underPause: under };
    };
    const before = await lags();
    await stack.say(chat, 'meu nome é Tiago');
    await stack.replyTo('meu nome é Tiago');
    await stack.learned(chat, { timeoutMs: WAIT_MS });
    const after = await lags();
    // Other chats of this file may be learned meanwhile; each waited the default 5 s pause too.
    expect(after.count - before.count).toBeGreaterThanOrEqual(1);
    expect(after.underPause - before.underPause).toBe(0);
  });

  it('logs carry chat and message ids, and never the API keys or the HMAC key', async () => {
    // Provoke the paths that log most: a rejected signature, a failing model, a reply.
    const sentBefore = stack.waha.sent.length;
    await fetch(stack.webhookUrl, { method: 'POST', headers: { 'x-webhook-hmac': 'f'.repeat(128) }, body: '{}' });
    stack.openai.failNext(401);
    await stack.post(variant('private-text-incoming.json', { waId: 'OBS2', body: 'falha' }));
    await stack.post(variant('private-text-incoming.json', { waId: 'OBS3', body: 'e agora?' }));
    // The model refuses the first (401): only the second is answered.
    await vi.waitUntil(() => stack.waha.sent.length === sentBefore + 1, WAIT_MS);

    const lines = capturedLogs.join('');
    expect(lines).toContain('"outcome":"accepted"');
    const accepted = capturedLogs.map((line) => JSON.parse(line)).find((entry) => entry.outcome === 'accepted' && entry.messageId?.includes('OBS3'));
    expect(accepted).toMatchObject({ chatId: '5521988887777@c.us', messageId: 'false_5521988887777@c.us_OBS3' });
    expect(lines).toContain('"msg":"configuration"');
    for (const secret of [...TEST_SECRETS, HMAC_KEY]) expect(lines).not.toContain(secret);
  });
});

describe('a worker on its own (npm run start:worker)', () => {
  it('serves /metrics and /readyz on METRICS_PORT, and stops cleanly on Ctrl-C', async () => {
    const worker = runEntry(
      'src/worker.ts',
      [],
      bareEnv({
        TEMPORAL_ADDRESS: stack.temporal.address,
        // A queue of its own, so it takes no work from the stack's worker.
        TEMPORAL_TASK_QUEUE: 'chatmem-worker-alone',
        DATABASE_URL: stack.db.url,
        CHATMEM_DATA_DIR: mkdtempSync(`${tmpdir()}/chatmem-worker-`),
        METRICS_PORT: '0',
      }),
    );
    try {
      const [, metricsUrl] = await worker.waitForLine(/metrics (http\S+)\/metrics/, 90_000);
      const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(metrics).toContain('# HELP chatmem_stage_seconds');
      expect(metrics).toContain('process_cpu_user_seconds_total');
      expect(await (await fetch(`${metricsUrl}/readyz`)).json()).toEqual({ ready: true, checks: { temporal: 'up', database: 'up' } });
    } finally {
      expect(await worker.interrupt()).toBe(0);
    }
  }, 120_000);
});
