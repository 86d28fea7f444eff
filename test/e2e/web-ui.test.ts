import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { wahaMessageEvent } from '../../src/simulator/waha-events.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import { CHAT_ID, IS_GROUP, LAST_INTERACTION, WAHA_SESSION } from '../../src/workflows/search-attributes.js';
import { PROJECT_ROOT } from '../support/child-process.js';
import { WAIT_MS } from '../support/http.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

// Debian's chromium (.ci/run installs it); CHROMIUM_PATH points elsewhere.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = `${PROJECT_ROOT}.tmp/artifacts`;
const CAROL = '5511922220001@c.us';
const DIEGO = '5511922220002@c.us';

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startTestStack({ webUi: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function say(chatId: string, senderName: string, text: string) {
  expect((await stack.post(wahaMessageEvent({ session: 'default', me: stack.waha.me, chatId, fromMe: false, senderName, text }))).status).toBe(202);
  await vi.waitUntil(() => stack.repliesTo(text).some((call) => call.chatId === chatId), WAIT_MS);
}

describe('each chat in the Temporal Web UI', () => {
  it('filters by ChatId and shows the chat with its details', async () => {
    await say(CAROL, 'Carol', 'Do you deliver on Sundays?');
    await say(DIEGO, 'Diego', 'What time do you open?');
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', CAROL));
    const [{ typedSearchAttributes: attributes }, state] = await Promise.all([handle.describe(), handle.query(stateQuery)]);
    expect(attributes.get(CHAT_ID)).toBe(CAROL);
    expect(attributes.get(WAHA_SESSION)).toBe('default');
    expect(attributes.get(IS_GROUP)).toBe(false);
    expect(attributes.get(LAST_INTERACTION)?.toISOString()).toBe(state.lastInteractionAt);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });

    const query = encodeURIComponent(`ChatId = "${CAROL}"`);
    await page.goto(`${stack.uiUrl}/namespaces/default/workflows?query=${query}`);
    const carolLink = page.getByRole('link', { name: chatWorkflowId('default', CAROL) });
    await carolLink.waitFor({ timeout: 30_000 });
    await page.getByText('1 Workflow', { exact: true }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/web-ui-filtered-by-chat.png`, fullPage: true });
    expect(await page.getByRole('link', { name: chatWorkflowId('default', DIEGO) }).count()).toBe(0);

    // What Carol said is learned after LEARNING_PAUSE; the page then shows that step too.
    await stack.learned(CAROL, { timeoutMs: WAIT_MS });
    await carolLink.click();
    // Activities carry readable summaries on the timeline; storing and answering, one local step
    // inside the workflow task, shows under its name (this Web UI does not draw local activities' summaries).
    await page.getByText('learn from message').first().waitFor({ timeout: 30_000 });
    await page.getByText('storeAndReply', { exact: true }).first().waitFor();
    await page.getByText('User Metadata', { exact: true }).click();
    // The UI renders the Markdown summary and details in frames of their own.
    const shown = await vi.waitUntil(async () => {
      const texts = await Promise.all(page.frames().map((frame) => frame.locator('body').innerText().catch(() => '')));
      const all = texts.join('\n');
      return all.includes('Carol (5511922220001@c.us)') && all.includes('Last interaction:') ? all : undefined;
    }, WAIT_MS);
    expect(shown).toMatch(/Messages: 1 seen, 1 replies/);
    expect(shown).toContain('Bot: answering');
    await page.screenshot({ path: `${ARTIFACTS}/web-ui-chat-details.png`, fullPage: true });
  });
});
