import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { createMediaReader } from '../../src/clients/media-reader.js';
import { createEmbedder } from '../../src/clients/embedder.js';
import { createLlmClient } from '../../src/clients/llm-client.js';
import { createWahaClient } from '../../src/clients/waha-client.js';
import { openPostgresDatabase } from '../../src/stores/sql/postgres-database.js';
import { SendPace } from '../../src/stores/sql/send-pace.js';
import { StmRepository } from '../../src/stores/sql/stm-repository.js';
import { LongTermMemory } from '../../src/stores/vector/long-term-memory.js';
import { openPgliteVectorStore } from '../../src/stores/vector/pglite.js';
import type { VectorStore } from '../../src/stores/vector/vector-store.js';
import { retryActivity, runActivity, TEST_ACTIVITY_SETTINGS, TEST_PACING } from '../support/activities.js';
import { fixture } from '../support/fixtures.js';
import { messageOf } from '../support/inbound.js';
import { startOpenAiStandIn, type OpenAiStandIn } from '../support/openai-standin.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startWahaStandIn, type WahaStandIn } from '../support/waha-standin.js';

// Temporal retries an activity whenever it cannot tell whether the last attempt finished;
// these run each activity again with the same arguments, as a retry does.
let db: TestDatabase;
let openai: OpenAiStandIn;
let waha: WahaStandIn;
let activities: ReturnType<typeof createActivities>;
const run = runActivity;
const settings = TEST_ACTIVITY_SETTINGS;
let vectors: VectorStore;

function activitiesWith(stm: StmRepository) {
  return createActivities({
    stm,
    settings,
    llm: createLlmClient({ apiKey: 'sk-test', baseUrl: openai.baseUrl, model: 'm', timeoutMs: 5000 }),
    ltm: new LongTermMemory(vectors),
    embedder: createEmbedder({ apiKey: 'sk-test', baseUrl: openai.baseUrl, model: 'e', dimensions: 32, timeoutMs: 5000 }),
    waha: createWahaClient({ baseUrl: waha.url, apiKey: 'k' }),
    pacing: TEST_PACING,
    sendPace: new SendPace(db.pool),
    media: { reader: createMediaReader({ apiKey: 'sk-test', baseUrl: openai.baseUrl, transcribeModel: 't', visionModel: 'v', timeoutMs: 5000 }), maxBytes: 1 << 20 },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  openai = await startOpenAiStandIn();
  waha = await startWahaStandIn({ apiKey: 'k' });
  vectors = await openPgliteVectorStore({ dataDir: null, dimensions: 32 });
  await vectors.ensureCollections();
  activities = activitiesWith(new StmRepository(db.pool));
});
afterAll(async () => {
  await waha?.close();
  await openai?.close();
  await db?.drop();
  await vectors?.close();
});

const message = messageOf(fixture('private-text-incoming.json'));
const chat = {
  session: 'default',
  chatId: message.chatId,
  isGroupChat: false,
  meId: message.meId,
  answering: [{ messageId: message.messageId, body: message.body }],
  ltmIds: [message.contactId],
};

describe('activities retried with the same arguments', () => {
  it('recordInbound: the same handling is fresh again, another delivery is not', async () => {
    expect((await run(activities.recordInbound, message, 'claim-a')).fresh).toBe(true);
    expect((await run(activities.recordInbound, message, 'claim-a')).fresh).toBe(true);
    expect((await run(activities.recordInbound, message, 'claim-b')).fresh).toBe(false);
    expect(await db.pool.query('SELECT 1 FROM messages').then((r) => r.rows.length)).toBe(1);
  });

  it('composeReply: a retry after the reply was stored returns it without asking the model again', async () => {
    const first = await run(activities.composeReply, { ...chat, claimToken: 'reply-1' });
    const again = await run(activities.composeReply, { ...chat, claimToken: 'reply-1' });
    expect(again.rowId).toBe(first.rowId);
    expect(again.text).toBe(first.text);
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]!.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Oi! Vocês abrem amanhã cedo?' },
    ]);
  });

  it('sendReply: when recording the sent id fails, it still reports the send (a retry would send twice)', async () => {
    const [{ id }] = (await db.pool.query("SELECT id FROM messages WHERE role = 'assistant'")).rows;
    const brokenPool = openPostgresDatabase(db.url);
    await brokenPool.close();
    const withBrokenDb = activitiesWith(new StmRepository(brokenPool));
    const sent = await run(withBrokenDb.sendReply, { rowId: String(id), session: 'default', chatId: chat.chatId, text: 'olá' });
    expect(sent.recorded).toBe(false);
    expect(waha.sent).toHaveLength(1);
    expect(sent.messageId).toBe(waha.sent[0]!.sentId);

    // The workflow then records it with the local activity that never gives up.
    await run(activities.markReplySent, String(id), sent);
    expect((await db.pool.query('SELECT wa_id FROM messages WHERE id = $1', [id])).rows[0].wa_id).toBe(sent.waId);
  });

  it('sendReply: a retry after WAHA sent the reply but its answer was lost finds it and does not send again', async () => {
    const rowId = await storedReply('reply-lost-answer', 'sent once, answer lost');
    waha.loseNextAnswer();
    await expect(run(activities.sendReply, { rowId, session: 'default', chatId: chat.chatId, text: 'sent once, answer lost' })).rejects.toThrow();
    expect(sendsOf('sent once, answer lost')).toHaveLength(1);

    const retried = await retryActivity(activities.sendReply, { rowId, session: 'default', chatId: chat.chatId, text: 'sent once, answer lost' });
    expect(sendsOf('sent once, answer lost')).toHaveLength(1);
    expect(retried.messageId).toBe(sendsOf('sent once, answer lost')[0]!.sentId);
    expect(await waIdOf(rowId)).toBe(retried.waId);
  });

  it('sendReply: an earlier reply with the same text is not taken for the lost send', async () => {
    const first = await storedReply('reply-same-1', 'same words');
    await run(activities.sendReply, { rowId: first, session: 'default', chatId: chat.chatId, text: 'same words' });
    const second = await storedReply('reply-same-2', 'same words');
    // The first attempt of the second reply failed before WAHA sent anything.
    waha.failNext(502);
    await expect(run(activities.sendReply, { rowId: second, session: 'default', chatId: chat.chatId, text: 'same words' })).rejects.toThrow();
    const retried = await retryActivity(activities.sendReply, { rowId: second, session: 'default', chatId: chat.chatId, text: 'same words' });
    expect(sendsOf('same words')).toHaveLength(2);
    expect(retried.waId).not.toBe(await waIdOf(first));
    expect(await waIdOf(second)).toBe(retried.waId);
  });

  it('sendReply: where WAHA cannot list the chat messages, a retry sends again rather than drop the reply', async () => {
    const rowId = await storedReply('reply-unverifiable', 'cannot be checked');
    waha.loseNextAnswer();
    waha.failMessageList(404);
    try {
      await expect(run(activities.sendReply, { rowId, session: 'default', chatId: chat.chatId, text: 'cannot be checked' })).rejects.toThrow();
      await retryActivity(activities.sendReply, { rowId, session: 'default', chatId: chat.chatId, text: 'cannot be checked' });
      expect(sendsOf('cannot be checked')).toHaveLength(2);
    } finally {
      waha.failMessageList(null);
    }
  });
});

const sendsOf = (text: string) => waha.sent.filter((call) => call.text === text);
const waIdOf = async (rowId: string) => (await db.pool.query('SELECT wa_id FROM messages WHERE id = $1', [rowId])).rows[0].wa_id as string | null;

/** A reply stored for the chat's message, as compose leaves it before the send. */
async function storedReply(claimToken: string, text: string): Promise<string> {
  const stm = new StmRepository(db.pool);
  return stm.recordReply({ session: 'default', chatId: chat.chatId, text, meId: chat.meId, inReplyTo: chat.answering[0]!.messageId, claimToken, at: Date.now() });
}
