import { describe, expect, it, vi } from 'vitest';
import { fuzzedBodies } from '../support/hostile-bodies.js';
import { postWebhook, WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * Fuzzed webhook bodies (fast-check, over every field of every fixture) with valid messages
 * among them, posted as fast as the webhook takes them: every answer is 2xx, 4xx or 503 with
 * Retry-After, no connection is reset, nothing of a 4xx is stored, and the service still
 * answers after. `npm test` posts 1,000; `npm run test:faults -- --full` 10,000.
 * FUZZ_SEED=<n> replays a run.
 */
const COUNT = process.env.FAULTS_SIZE === 'full' ? 10_000 : 1_000;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
/** Deliveries in flight at once: more than WAHA makes, to press the webhook. */
const CONCURRENCY = 32;

const stack = useTestStack({ env: { DEBOUNCE_MS: '200' } });

describe('a fuzzed flood of webhook bodies', () => {
  it(`${COUNT} bodies, valid ones among them: only 2xx, 4xx or 503 with Retry-After, nothing of a 4xx stored, the service alive after`, { timeout: 900_000 }, async () => {
    const bodies = fuzzedBodies(COUNT, SEED);
    console.log(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} replays it): ${bodies.length} bodies, ${bodies.filter((b) => b.valid).length} valid`);
    const answers: { waId: string; valid: boolean; status: number; retryAfter: string | null; error?: string }[] = [];
    const queue = [...bodies];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { waId, valid, body } = next;
          const { status, retryAfter, text } = await postWebhook(stack.webhookUrl, body, null);
          answers.push({ waId, valid, status, retryAfter, ...(status === 0 ? { error: text } : {}) });
        }
      }),
    );
    const byStatus: Record<number, number> = {};
    for (const { status } of answers) byStatus[status] = (byStatus[status] ?? 0) + 1;
    console.log('answers by status:', byStatus);

    expect(answers.filter((answer) => answer.status === 0)).toEqual([]);
    expect(answers.filter((answer) => answer.status >= 500 && !(answer.status === 503 && answer.retryAfter))).toEqual([]);
    expect(answers.filter((answer) => answer.valid && answer.status !== 202 && answer.status !== 503)).toEqual([]);

    // Every valid message accepted is stored; by then the bodies refused alongside it would have been too.
    const validAccepted = answers.filter((answer) => answer.valid && answer.status === 202).map((answer) => answer.waId);
    const storedOf = async (ids: string[]) =>
      (await stack.rows<{ wa_id: string }>('SELECT wa_id FROM messages WHERE wa_id = ANY($1::text[])', [ids])).map((row) => row.wa_id).sort();
    await vi.waitUntil(async () => (await storedOf(validAccepted)).length === validAccepted.length, 600_000).catch(() => undefined);
    expect(await storedOf(validAccepted)).toEqual([...validAccepted].sort());
    expect(await storedOf(answers.filter((answer) => answer.status >= 400 && answer.status < 500).map((answer) => answer.waId))).toEqual([]);

    expect((await fetch(stack.webhookUrl.replace('/webhooks/waha', '/healthz'))).status).toBe(200);
    await stack.say('5521970009999@c.us', 'still here after the flood');
    await stack.replyTo('still here after the flood', 120_000);
  });
});
