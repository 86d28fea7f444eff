import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareEnv, runEntry } from '../support/child-process.js';
import { eventually } from '../support/http.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

const HMAC_KEY = 'simulator-hmac-5be1';
const GROUP = '120363000000000777@g.us';

let stack: Stack;
beforeAll(async () => {
  // Signed webhooks only, and groups answered on a mention (the default).
  stack = await startTestStack({ env: { WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY, DEBOUNCE_MS: '0' } });
});
afterAll(async () => stack?.stop());

/** `npm run chat` against the stack, its WAHA being the stack's WAHA stand-in. */
async function simulate(args: string[], lines: string[]) {
  const simulator = runEntry('src/simulator/chat.ts', args, bareEnv({ CHATMEM_WEBHOOK_URL: stack.webhookUrl, WAHA_URL: stack.waha.url, WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY }));
  simulator.child.stdin.end(lines.map((line) => `${line}\n`).join(''));
  expect(await simulator.exited).toBe(0);
  return simulator.lines;
}

describe('the terminal simulator', () => {
  it('posts signed WAHA webhooks that chatmem accepts and answers', async () => {
    const output = await simulate(['--from', '5511933330001', '--name', 'Eva'], ['hi, my name is Eva']);
    expect(output.join('\n')).not.toMatch(/^!/m);
    const reply = await eventually(() => stack.waha.sent.find((call) => call.chatId === '5511933330001@c.us'), 'the reply');
    expect(reply.text).toMatch(/^Re: hi, my name is Eva \[/);
    const [row] = await stack.rows("SELECT sender_name, role FROM messages WHERE content = 'hi, my name is Eva'");
    expect(row).toEqual({ sender_name: 'Eva', role: 'user' });
  });

  it('in a group, the bot answers only the line that mentions it with @bot', async () => {
    await simulate(['--from', '5511933330002', '--name', 'Ivo', '--group', GROUP], ['good morning everyone', '@bot are you open today?']);
    const reply = await eventually(() => stack.waha.sent.find((call) => call.chatId === GROUP), 'the group reply');
    expect(reply.text).toContain('are you open today?');
    // Both lines are stored, the reply once (WAHA's echo of it is dropped), and nothing else answered.
    const rows = await eventually(async () => {
      const found = await stack.rows<{ role: string }>('SELECT m.role FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 ORDER BY m.id', [GROUP]);
      return stack.waha.echoStatuses.length > 0 && found.length === 3 ? found : undefined;
    }, 'both lines and the reply stored');
    expect(rows.map((row) => row.role)).toEqual(['user', 'user', 'assistant']);
    expect(stack.waha.sent.filter((call) => call.chatId === GROUP)).toHaveLength(1);
  });

  it('without a phone number it explains its usage and sends nothing', async () => {
    const simulator = runEntry('src/simulator/chat.ts', ['--name', 'Nobody'], bareEnv({ CHATMEM_WEBHOOK_URL: stack.webhookUrl }));
    expect(await simulator.exited).toBe(2);
    expect(simulator.lines.join('\n')).toContain('usage: npm run chat -- --from <phone>');
  });
});
