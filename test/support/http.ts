export { sendJson, serve, type Handler } from '../../src/offline/local-http.js';
export { postWebhook } from '../../src/simulator/webhook-poster.js';

/** How long a test waits for something chatmem does by itself (a reply, a stored row, an idle chat). */
export const WAIT_MS = 30_000;

/**
 * Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`.
 * Tests wait with vitest's `vi.waitUntil`; this is for the kit's own waits (`stack.idle`,
 * `stack.replyTo`), which the benches and the history recorder use outside a vitest run, where
 * `vi` cannot work (it needs a vitest worker's state).
 */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = WAIT_MS, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
