import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { wahaMessageEvent } from '../../src/simulator/waha-events.js';
import { WAIT_MS } from '../support/http.js';
import { PGVECTOR_POSTGRES_BIN, PGVECTOR_POSTGRES_MISSING, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

// Issue 8: in a long group chat no prompt held the earlier message that answers the question.
// Here, on each storage configuration: a fact said early in a group, many turns, several
// summaries, chatmem restarted, then a question that mentions the bot must bring it back.

// A PostgreSQL with pgvector: PGVECTOR_DATABASE_URL, or a private cluster from the install script's server.
const PGVECTOR_DATABASE_URL = process.env.PGVECTOR_DATABASE_URL;
let pgvectorCluster: PrivatePostgres | undefined;
const pgvectorDatabase = async () => {
  if (PGVECTOR_DATABASE_URL) return PGVECTOR_DATABASE_URL;
  pgvectorCluster = await startPrivatePostgres({ pgvector: true });
  return pgvectorCluster.adminUrl;
};
const GROUP = '120363000000000808@g.us';
const ANA = '5511922220001@c.us';
const BRUNO = '5511922220002@c.us';
const FACT = 'my cousin has a boat called Marisol, moored in Paraty';
// Shares words with FACT: the test stack's OpenAI stand-in embeds by hashed words (the local
// model's meaning is tested in hybrid-recall.test.ts).
const QUESTION = 'Ana, is the boat of your cousin still moored in Paraty?';
const TURNS = 60;

// [name, chatmem's environment, the vector store it must open (its kind), why it is skipped]
const configurations: [string, () => Promise<Record<string, string>>, RegExp, string | null][] = [
  ['PostgreSQL without pgvector, vectors in PGlite', async () => ({}), /^pglite:/, null],
  ['PGlite only', async () => ({ DATABASE_URL: '', CHATMEM_DATA_DIR: mkdtempSync(`${tmpdir()}/chatmem-recall-`) }), /^pgvector:pglite/, null],
  [
    'pgvector in PostgreSQL',
    async () => ({ DATABASE_URL: await pgvectorDatabase() }),
    /^pgvector:postgres$/,
    PGVECTOR_DATABASE_URL || PGVECTOR_POSTGRES_BIN ? null : `set PGVECTOR_DATABASE_URL or ${PGVECTOR_POSTGRES_MISSING}`,
  ],
];

describe.each(configurations)('recall in a long group chat: %s', (_name, env, storeKind, skipReason) => {
  let stack: Stack;
  beforeAll(async () => {
    if (skipReason) return;
    stack = await startTestStack({ env: { WAHA_WEBHOOK_HMAC_KEY: 'recall-test-hmac', GROUP_REPLY: 'mention', SUMMARY_TOKEN_LIMIT: '300', ...(await env()) } });
  });
  afterAll(async () => {
    await stack?.stop();
    await pgvectorCluster?.destroy();
  });

  const say = async (from: string, senderName: string, text: string, mentionBot = false) => {
    const event = wahaMessageEvent({ session: 'default', me: stack.waha.me, chatId: GROUP, participant: from, senderName, fromMe: false, text, ...(mentionBot ? { mentions: [stack.waha.me.id] } : {}) });
    expect((await stack.post(event)).status).toBe(202);
  };

  const title = 'brings an early message into the prompt after several summaries and a restart';
  it.skipIf(skipReason !== null)(skipReason ? `${title} (skipped: ${skipReason})` : title, { timeout: 300_000 }, async () => {
    // Read from the database the worker writes to (PostgreSQL, or PGlite for the PGlite-only case).
    const count = async (sql: string) => Number((await stack.deps.db.query<{ n: number }>(sql)).rows[0]!.n);
    expect(stack.deps.ltm.store.kind).toMatch(storeKind);
    await say(ANA, 'Ana', FACT);
    // Each half is past SUMMARY_TOKEN_LIMIT on its own, so each makes a summary however the
    // turns fall into steps (on a busy machine one step can store a whole half).
    for (const half of [0, 1]) {
      for (let i = (half * TURNS) / 2; i < ((half + 1) * TURNS) / 2; i++) {
        await say(i % 2 ? ANA : BRUNO, i % 2 ? 'Ana' : 'Bruno', `turn ${i}: we talked about the weather in Recife and the football match of sunday`);
      }
      await vi.waitUntil(async () => (await count('SELECT count(*)::int AS n FROM summaries')) >= half + 1, 120_000);
    }
    await vi.waitUntil(async () => (await count("SELECT count(*)::int AS n FROM messages WHERE role = 'user'")) === TURNS + 1, 180_000);
    // What background learning reported as done is there, and stays there across a restart.
    await vi.waitUntil(async () => (await stack.deps.ltm.store.count('longterm_memory', { chatId: GROUP })) === TURNS + 1, 120_000);

    await stack.restartChatmem();
    expect(await stack.deps.ltm.store.count('longterm_memory', { chatId: GROUP })).toBe(TURNS + 1);

    await say(BRUNO, 'Bruno', QUESTION, true);
    await stack.replyTo(QUESTION, 60_000);
    const prompt = stack.openai.replyPrompts().find((request) => request.messages.at(-1)?.content.includes(QUESTION))!;
    const system = prompt.messages[0]!.content;
    expect(system).toContain('Earlier messages that may be relevant:');
    expect(system).toContain(FACT);
  });
});
