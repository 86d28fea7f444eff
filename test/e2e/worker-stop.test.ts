import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WAIT_MS } from '../support/http.js';
import { startTestStack, type Stack } from '../support/test-stack.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

/**
 * Ctrl-C (SIGINT) or a platform's SIGTERM while a reply waits on a model that does not
 * answer: the worker stops by itself once SHUTDOWN_TIMEOUT has passed, says so, and the next
 * worker answers the message, once.
 */
let stack: Stack;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  stack = await startTestStack({ externalWorker: true });
});
afterAll(async () => {
  for (const worker of workers) await worker.kill();
  await stack?.stop();
});

describe('a worker stopped while its work cannot finish', () => {
  it('stops within SHUTDOWN_TIMEOUT instead of waiting for the model, and the next worker sends the reply once', { timeout: 150_000 }, async () => {
    const first = await startWorkerProcess({ ...stack.env, SHUTDOWN_TIMEOUT: '2s', LOG_LEVEL: 'warn' });
    workers.push(first);
    const chat = '5521966660001@c.us';
    const gate = stack.openai.hold((lastUser) => lastUser === 'uma pergunta demorada');
    await stack.say(chat, 'uma pergunta demorada');
    await vi.waitUntil(() => stack.openai.replyPrompts().some((prompt) => prompt.messages.at(-1)?.content === 'uma pergunta demorada'), WAIT_MS);

    // Exit code 0, not the SIGKILL `interrupt` sends after 60 s: the worker ended by itself.
    expect(await first.interrupt(60_000), first.lines.join('\n')).toBe(0);
    expect(first.lines.join('\n')).toMatch(/stopped with work in flight after SHUTDOWN_TIMEOUT/);
    expect(stack.repliesTo('uma pergunta demorada')).toHaveLength(0);

    gate.release();
    workers.push(await startWorkerProcess(stack.env));
    await stack.replyTo('uma pergunta demorada', 60_000);
    // A second send would come from the first worker's attempt being retried as well: give it time.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(stack.repliesTo('uma pergunta demorada')).toHaveLength(1);
  });
});
