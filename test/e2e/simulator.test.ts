import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { bareEnv, runEntry } from '../support/child-process.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const HMAC_KEY = 'simulator-hmac-5be1';
const GROUP = '120363000000000777@g.us';

// Signed webhooks only, and groups answered on a mention (the default).
const stack = useTestStack({ env: { WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY, DEBOUNCE_MS: '0' } });

/** `npm run chat` against the stack, its WAHA being the stack's WAHA stand-in. */
async function simulate(args: string[], lines: string[], env: Record<string, string> = {}) {
  const simulator = runEntry('src/simulator/chat.ts', args, bareEnv({ CHATMEM_WEBHOOK_URL: stack.webhookUrl, WAHA_URL: stack.waha.url, WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY, ...env }));
  simulator.child.stdin.end(lines.map((line) => `${line}\n`).join(''));
  expect(await simulator.exited).toBe(0);
  return simulator.lines;
}

describe('the terminal simulator', () => {
  it('posts signed WAHA webhooks that chatmem accepts and answers', async () => {
    const output = await simulate(['--from', '5511933330001', '--name', 'Eva'], ['hi, my name is Eva']);
    expect(output.join('\n')).not.toMatch(/^!/m);
    const reply = await vi.waitUntil(() => stack.waha.sent.find((call) => call.chatId === '5511933330001@c.us'), WAIT_MS);
    expect(reply.text).toMatch(/^Re: hi, my name is Eva \[/);
    const [row] = await stack.rows("SELECT sender_name, role FROM messages WHERE content = 'hi, my name is Eva'");
    expect(row).toEqual({ sender_name: 'Eva', role: 'user' });
  });

  it('in a group, the bot answers only the line that mentions it with @bot', async () => {
    await simulate(['--from', '5511933330002', '--name', 'Ivo', '--group', GROUP], ['good morning everyone', '@bot are you open today?']);
    const reply = await vi.waitUntil(() => stack.waha.sent.find((call) => call.chatId === GROUP), WAIT_MS);
    expect(reply.text).toContain('are you open today?');
    // Both lines are stored, the reply once (WAHA's echo of it is dropped), and nothing else answered.
    const rows = await vi.waitUntil(async () => {
      const found = await stack.rows<{ role: string }>('SELECT m.role FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 ORDER BY m.id', [GROUP]);
      return stack.waha.echoStatuses.length > 0 && found.length === 3 ? found : undefined;
    }, WAIT_MS);
    expect(rows.map((row) => row.role)).toEqual(['user', 'user', 'assistant']);
    expect(stack.waha.sent.filter((call) => call.chatId === GROUP)).toHaveLength(1);
  });

  it('/memory shows what the bot remembers of the chat', async () => {
    const eva = '5511933330001@c.us';
    await vi.waitUntil(async () => (await stack.chatMemory('default', eva)).knowledge[eva]?.includes('name: eva'), WAIT_MS);
    const output = await simulate(['--from', '5511933330001'], ['/memory'], { TEMPORAL_ADDRESS: stack.temporal.address });
    expect(output).toContain('knows:');
    expect(output).toContain(`  ${eva}: name: eva`);
  });

  it('says that the bot could not answer, and why, and ends on Ctrl-D instead of waiting for the answer', async () => {
    stack.openai.down(503);
    try {
      const started = Date.now();
      const output = await simulate(['--from', '5511933330003'], ['are you there?'], { TEMPORAL_ADDRESS: stack.temporal.address });
      expect(output.join('\n')).toMatch(/^bot could not answer yet: 1 message\(s\) since \S+ \(the model or WAHA failing: .*503.*; retried until REPLY_DEADLINE\)$/m);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      stack.openai.up();
    }
    await vi.waitUntil(() => stack.waha.sent.some((call) => call.chatId === '5511933330003@c.us'), WAIT_MS);
  });

  it('says in one line that its WAHA port is taken (another simulator or WAHA there)', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as AddressInfo).port;
    try {
      const simulator = runEntry('src/simulator/chat.ts', ['--from', '5511933330004', '--waha-port', String(port)], bareEnv({ CHATMEM_WEBHOOK_URL: stack.webhookUrl }));
      expect(await simulator.exited).toBe(1);
      expect(simulator.lines.filter((line) => line.trim())).toEqual([expect.stringMatching(new RegExp(`^cannot serve WAHA's API on :${port} for chatmem's replies \\(.*EADDRINUSE.*\\); is another simulator or WAHA running there\\?$`))]);
    } finally {
      taken.close();
    }
  });

  it('without a phone number it explains its usage and sends nothing', async () => {
    const simulator = runEntry('src/simulator/chat.ts', ['--name', 'Nobody'], bareEnv({ CHATMEM_WEBHOOK_URL: stack.webhookUrl }));
    expect(await simulator.exited).toBe(2);
    expect(simulator.lines.join('\n')).toContain('usage: npm run chat -- --from <phone>');
  });
});
