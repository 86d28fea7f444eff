import http from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { signWebhookBody } from '../../src/domain/webhook-contract.js';
import { fixture, fixtureBytes, variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const HMAC_KEY = 'test-hmac-key-0042';
const BODY_LIMIT = 16 * 1024;

const stack = useTestStack({
  env: { WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY, WEBHOOK_BODY_LIMIT_BYTES: String(BODY_LIMIT), WEBHOOK_MAX_IN_FLIGHT: '2', WEBHOOK_MAX_QUEUED: '2' },
});

async function postRaw(raw: string, headers: Record<string, string>) {
  const response = await fetch(stack.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json().catch(() => null)) as any };
}
const signed = (raw: string) => ({ 'x-webhook-hmac': signWebhookBody(HMAC_KEY, raw), 'x-webhook-hmac-algorithm': 'sha512' });
const messageCount = async () => (await stack.rows('SELECT count(*)::int AS n FROM messages'))[0].n as number;
const workflowExists = (chatId: string) =>
  stack.client.workflow
    .getHandle(chatWorkflowId('default', chatId))
    .describe()
    .then(() => true, () => false);

describe('HMAC', () => {
  it('refuses a missing or wrong signature with 401 and does nothing', async () => {
    const raw = fixtureBytes('private-text-incoming-webjs.json');
    expect((await postRaw(raw, {})).status).toBe(401);
    expect((await postRaw(raw, { 'x-webhook-hmac': signWebhookBody('another-key', raw) })).status).toBe(401);
    expect((await postRaw(raw, { 'x-webhook-hmac': 'abc' })).status).toBe(401);
    // A signature over other bytes (the body was altered after signing).
    const tampered = raw.replace('Qual o preço', 'Qual é o preço');
    expect((await postRaw(tampered, signed(raw))).status).toBe(401);

    expect(await messageCount()).toBe(0);
    expect(await workflowExists('5521977776666@c.us')).toBe(false);
    expect(stack.openai.requests).toHaveLength(0);
  });

  it('takes the exact bytes WAHA signed', async () => {
    const raw = fixtureBytes('private-text-incoming-webjs.json');
    expect((await postRaw(raw, signed(raw))).status).toBe(202);
    await vi.waitUntil(() => stack.waha.sent.some((call) => call.chatId === '5521977776666@c.us'), WAIT_MS);
  });
});

describe('bad bodies', () => {
  it('answers 400 with the reason for malformed JSON and for JSON that is not a WAHA event, and stores nothing', async () => {
    const before = await messageCount();
    const broken = '{"event": "message", "session": ';
    const malformed = await postRaw(broken, signed(broken));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/malformed JSON/);

    const notWaha = JSON.stringify({ hello: 'world' });
    const invalid = await postRaw(notWaha, signed(notWaha));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/not a WAHA event/);

    const badPayload = JSON.stringify({ ...fixture('private-text-incoming.json'), payload: { id: 'nonsense', from: 'x', fromMe: false, timestamp: 1 } });
    expect((await postRaw(badPayload, signed(badPayload))).status).toBe(400);
    expect(await messageCount()).toBe(before);
  });

  it('answers 413 for a body over the limit, and stores nothing', async () => {
    const before = await messageCount();
    const event = variant('private-text-incoming.json', { waId: 'HUGE0001', body: 'x'.repeat(BODY_LIMIT) });
    const raw = JSON.stringify(event);
    expect((await postRaw(raw, signed(raw))).status).toBe(413);
    expect(await messageCount()).toBe(before);
  });

  it('answers 413 to a body many times the limit without resetting the connection', async () => {
    const raw = JSON.stringify(variant('private-text-incoming.json', { waId: 'HUGE0002', body: 'x'.repeat(BODY_LIMIT * 64) }));
    // Answered while the body is still arriving, about one post in four used to fail with ECONNRESET.
    for (let i = 0; i < 20; i++) expect((await postRaw(raw, signed(raw))).status).toBe(413);
    expect(await stack.rows("SELECT 1 FROM messages WHERE wa_id = 'HUGE0002'")).toEqual([]);
  });
});

describe('Temporal unreachable', () => {
  it('answers 503 so WAHA retries, and the same delivery succeeds once Temporal is back', async () => {
    const event = variant('private-text-incoming-noweb.json', { waId: 'OUTAGE01', body: 'chegou minha encomenda?' });
    const raw = JSON.stringify(event);
    stack.proxy.cut();
    const during = await postRaw(raw, signed(raw));
    expect(during.status).toBe(503);
    expect(await stack.rows("SELECT 1 FROM messages WHERE wa_id = 'OUTAGE01'")).toEqual([]);

    stack.proxy.restore();
    // WAHA redelivers the same bytes every 2 s; so do we, until one is accepted.
    const after = await vi.waitUntil(async () => {
      const answer = await postRaw(raw, signed(raw));
      return answer.status === 202 ? answer : undefined;
    }, 40_000);
    expect(after.body.status).toBe('accepted');
    await vi.waitUntil(() => stack.waha.sent.some((call) => call.text.includes('chegou minha encomenda?')), WAIT_MS);
    expect(await stack.rows("SELECT role FROM messages WHERE wa_id = 'OUTAGE01'")).toEqual([{ role: 'user' }]);
  });
});

describe('a flood of deliveries', () => {
  it('holds at most WEBHOOK_MAX_IN_FLIGHT calls to Temporal, queues WEBHOOK_MAX_QUEUED, and answers the rest 503 with Retry-After at once', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => JSON.stringify(variant('private-text-incoming.json', { waId: `FLOOD0${i}`, body: `enxurrada ${i}` })));
    // Temporal hangs: the first two calls wait for their deadline, two more wait for a turn.
    stack.proxy.cut();
    const answers = bodies.map((raw) => postRaw(raw, signed(raw)).then((answer) => ({ ...answer, at: Date.now() })));
    const settled = await Promise.all(answers);
    stack.proxy.restore();

    // At most 2 + 2 of the 6 were let through to Temporal (fewer if WAHA's echo of an earlier reply held a turn).
    const busy = settled.filter((answer) => answer.body?.error?.startsWith('busy'));
    expect(busy.length).toBeGreaterThanOrEqual(2);
    expect(busy.length).toBeLessThan(6);
    for (const answer of busy) expect(answer).toMatchObject({ status: 503, retryAfter: '2' });
    // Refused without waiting for Temporal: before any of the calls that did wait ran out of time.
    const waited = settled.filter((answer) => !busy.includes(answer));
    expect(Math.max(...busy.map((answer) => answer.at))).toBeLessThan(Math.min(...waited.map((answer) => answer.at)));
    expect(settled.map((answer) => answer.status)).toEqual(Array(6).fill(503));

    // WAHA delivers each again; now all are taken, once.
    for (const raw of bodies) expect((await stack.deliver(JSON.parse(raw))).status).toBe(202);
    for (let i = 0; i < 6; i++) await vi.waitUntil(() => stack.waha.sent.some((call) => call.text.includes(`enxurrada ${i} [`)), WAIT_MS);
    expect(await stack.rows("SELECT count(*)::int AS n FROM messages WHERE role = 'user' AND wa_id LIKE 'FLOOD0%'")).toEqual([{ n: 6 }]);
  });
});

describe('health', () => {
  it('keeps an idle keep-alive connection open past the 5 s a client such as WAHA keeps it, so its next delivery does not meet a closing socket', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const request = http.get(stack.webhookUrl.replace(/\/webhooks\/waha$/, '/healthz'), { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode!, reused: request.reusedSocket }));
        });
        request.on('error', reject);
      });
    try {
      expect(await get()).toEqual({ status: 200, reused: false });
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(await get()).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('GET /healthz answers 200', async () => {
    const response = await fetch(stack.webhookUrl.replace('/webhooks/waha', '/healthz'));
    expect(response.status).toBe(200);
  });
});
