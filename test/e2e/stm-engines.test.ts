import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/stores/sql/database.js';
import { migrate } from '../../src/stores/sql/migrate.js';
import { openPgliteDatabase } from '../../src/stores/sql/pglite-database.js';
import { StmRepository } from '../../src/stores/sql/stm-repository.js';
import { openPostgresDatabase } from '../../src/stores/sql/postgres-database.js';
import { createMemoryActivities } from '../../src/activities/memory-activities.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { runActivity, TEST_ACTIVITY_SETTINGS } from '../support/activities.js';
import { inboundMessage, TEST_ME } from '../support/inbound.js';
import { createTestDatabase } from '../support/postgres.js';
import { SQL_ENGINES } from '../support/sql-engines.js';

// Short-term memory runs on PostgreSQL in production and on PGlite when nothing is
// configured: the same repository must behave the same on both.
const ANA = '5511944440001@c.us';
const BIA = '5511944440002@c.us';
const GROUP = '120363000000000555@g.us';
const CAIO = '5511944440003@c.us';
const message = inboundMessage;

// How each engine looks when it cannot be reached.
const unreachableDatabases: Record<string, () => Promise<Database>> = {
  PostgreSQL: async () => openPostgresDatabase('postgres://postgres@127.0.0.1:1/nowhere'),
  PGlite: async () => {
    const db = await openPgliteDatabase(null);
    await db.close();
    return db;
  },
};
/** The transcript a prompt would hold: the chat's last `limit` messages after its summary. */
const windowOf = async (stm: StmRepository, chat: { session: string; chatId: string }, limit: number, through?: string) => (await stm.promptTranscript(chat, limit, through)).window;

const engines = SQL_ENGINES.map((engine) => ({ ...engine, unreachable: unreachableDatabases[engine.name]! }));

describe.each(engines)('short-term memory on $name', ({ open, unreachable }) => {
  let opened: Awaited<ReturnType<typeof open>>;
  let stm: StmRepository;
  beforeAll(async () => {
    opened = await open();
    // Migrating twice changes nothing.
    expect(await migrate(opened.db)).toEqual([]);
    stm = new StmRepository(opened.db);
  });
  afterAll(async () => opened?.drop());

  const chat = { session: 'default', chatId: ANA };

  it('stores a message once per handling, whichever delivery comes again', async () => {
    const hello = message(ANA, 'hello, I am Ana', { waId: 'ENG1' });
    // Only the attempt that stored it says so: a retry of the handling finds it, and looks for what it did next.
    expect(await stm.recordInbound(hello, 'claim-1')).toEqual({ fresh: true, storedNow: true });
    expect(await stm.recordInbound(hello, 'claim-1')).toEqual({ fresh: true });
    expect(await stm.recordInbound(hello, 'claim-2')).toEqual({ fresh: false });
    expect(await windowOf(stm, chat, 10)).toEqual([expect.objectContaining({ role: 'user', content: 'hello, I am Ana', messageId: hello.messageId })]);
  });

  it('finds a message a step gave back unanswered fresh for the next step that takes it, and for that step only', async () => {
    const queued = message(CAIO, 'a message given back', { waId: 'ENG-GIVEN-BACK' });
    expect(await stm.recordInbound(queued, 'claim-first-step')).toEqual({ fresh: true, storedNow: true });
    await stm.releaseClaims(['claim-first-step']);
    expect(await stm.recordInbound(queued, 'claim-next-step')).toEqual({ fresh: true });
    // Taken: a retry of that step still finds it, any other delivery does not.
    expect(await stm.recordInbound(queued, 'claim-next-step')).toEqual({ fresh: true });
    expect(await stm.recordInbound(queued, 'claim-first-step')).toEqual({ fresh: false });
    expect(await stm.recordInbound(queued, 'claim-another')).toEqual({ fresh: false });
    expect((await windowOf(stm, { session: 'default', chatId: CAIO }, 50)).map((line) => line.content)).toEqual(['a message given back']);
  });

  it('links the lid a message carried to its phone form as it stores it, and a prompt’s read finds the one from the other', async () => {
    const PHONE = '5511944440009@c.us';
    const LID = '88880000000009@lid';
    const people = { session: 'default', chatId: PHONE };
    await stm.recordInbound(message(PHONE, 'only my number', { waId: 'ENG-LINK1' }), 'claim-link-1');
    expect((await stm.promptTranscript(people, 10, undefined, [PHONE])).otherIds).toEqual([]);
    await stm.recordInbound({ ...message(PHONE, 'my number and my lid', { waId: 'ENG-LINK2' }), contactOtherId: LID }, 'claim-link-2');
    expect((await stm.promptTranscript(people, 10, undefined, [PHONE])).otherIds).toEqual([LID]);
    expect((await stm.promptTranscript(people, 10, undefined, [LID])).otherIds).toEqual([PHONE]);
    expect(await stm.otherIdsOf('default', [LID, PHONE])).toEqual([]);
  });

  it('stores the reply before it is sent, then gives it WhatsApp’s id and drops an echo stored first', async () => {
    const rowId = await stm.recordReply({ ...chat, text: 'hi Ana', meId: TEST_ME.id, inReplyTo: 'x', claimToken: 'reply-1', at: Date.now() });
    expect(await stm.recordReply({ ...chat, text: 'hi Ana', meId: TEST_ME.id, inReplyTo: 'x', claimToken: 'reply-1', at: Date.now() })).toBe(rowId);
    expect(await stm.findReply('reply-1')).toEqual({ rowId, text: 'hi Ana' });
    // WAHA's echo of the reply, under the @lid form of the chat, got stored before we knew the id.
    const echo = message('99990000111@lid', 'hi Ana', { fromMe: true, waId: 'SENT1' });
    expect(await stm.recordInbound(echo, 'claim-echo')).toEqual({ fresh: true, storedNow: true });
    await stm.markReplySent(rowId, { messageId: `true_${ANA}_SENT1`, waId: 'SENT1' });
    expect((await opened.db.query("SELECT 1 FROM sessions WHERE chat_id = '99990000111@lid'")).rows).toEqual([]);
    expect((await windowOf(stm, chat, 10)).map((line) => [line.role, line.content])).toEqual([
      ['user', 'hello, I am Ana'],
      ['assistant', 'hi Ana'],
    ]);
  });

  it('summaries: made once per claim, and the window starts after what they cover', async () => {
    const toFold = await stm.messagesToSummarize(chat, 100);
    expect(toFold).toHaveLength(2);
    const record = { summary: 'Ana said hello.', fromId: toFold[0]!.id, toId: toFold[1]!.id, messageCount: 2, tokens: 4, model: 'm', claimToken: 'sum-1' };
    await stm.storeSummary(chat, record);
    await stm.storeSummary(chat, record);
    expect(await stm.findSummary('sum-1')).toEqual({ summary: 'Ana said hello.', tokens: 4 });
    expect((await stm.currentSummary(chat)).summary).toBe('Ana said hello.');
    // A prompt reads the summary and what follows it in one go, the same as the two reads apart.
    const covered = await stm.currentSummary(chat);
    expect(await stm.promptTranscript(chat, 10)).toEqual({ window: [], ...covered, otherIds: [] });
    await stm.recordInbound(message(ANA, 'and I live in Olinda', { waId: 'ENG2' }), 'claim-3');
    expect((await windowOf(stm, chat, 10)).map((line) => line.content)).toEqual(['and I live in Olinda']);
    expect(await stm.promptTranscript(chat, 10)).toEqual({ window: await windowOf(stm, chat, 10), ...covered, otherIds: [] });
  });

  it('the window can end at an older message, as the transcript stood when it came', async () => {
    const older = message(ANA, 'what was my city?', { waId: 'ENG3' });
    await stm.recordInbound(older, 'claim-4');
    await stm.recordInbound(message(ANA, 'and the weather?', { waId: 'ENG4' }), 'claim-5');
    expect((await windowOf(stm, chat, 10, older.messageId)).map((line) => line.content)).toEqual(['and I live in Olinda', 'what was my city?']);
    expect((await windowOf(stm, chat, 10)).map((line) => line.content)).toEqual(['and I live in Olinda', 'what was my city?', 'and the weather?']);
  });

  it('erases one person from a group, with the replies to them and the group’s summaries, and then a whole chat', async () => {
    const group = { session: 'default', chatId: GROUP };
    const fromAna = message(GROUP, 'Ana here', { from: ANA, waId: 'G1' });
    await stm.recordInbound(fromAna, 'g-1');
    await stm.recordInbound(message(GROUP, 'Bia here', { from: BIA, waId: 'G2' }), 'g-2');
    await stm.recordReply({ ...group, text: 'hello Ana', meId: TEST_ME.id, inReplyTo: fromAna.messageId, claimToken: 'g-reply', at: Date.now() });
    const lines = await stm.messagesToSummarize(group, 100);
    await stm.storeSummary(group, { summary: 'Ana and Bia', fromId: lines[0]!.id, toId: lines.at(-1)!.id, messageCount: 3, tokens: 3, model: 'm', claimToken: 'g-sum' });
    expect(await stm.userMessageSources(group)).toEqual({ messageIds: [fromAna.messageId, expect.stringContaining('G2')], actorIds: [ANA, BIA] });

    expect(await stm.eraseContactInChat(group, ANA)).toEqual({ messages: 2, summaries: 1, chats: 0 });
    expect(await stm.currentSummary(group)).toEqual({ summary: null, coversTo: null });
    expect((await windowOf(stm, group, 10)).map((line) => line.content)).toEqual(['Bia here']);
    expect(await stm.eraseContactInChat(group, ANA)).toEqual({ messages: 0, summaries: 0, chats: 0 });

    expect(await stm.eraseChat(chat)).toEqual({ messages: 5, summaries: 1, chats: 1 });
    expect(await windowOf(stm, chat, 10)).toEqual([]);
    expect(await stm.eraseChat(chat)).toEqual({ messages: 0, summaries: 0, chats: 0 });
  });

  it('the store step rejects, for good, a message the database refuses, and retries while the database is away', async () => {
    const metrics = createMetrics();
    const { recordInbound } = createMemoryActivities({ stm, settings: TEST_ACTIVITY_SETTINGS, metrics });
    // Past the webhook's guard (a worker of an older version, or a bug): NUL in text, a time out of range.
    const withNul = { ...message(ANA, 'ok', { waId: 'POISON1' }), body: 'before\u0000after' };
    const outOfRange = { ...message(ANA, 'ok', { waId: 'POISON2' }), timestamp: 1e300 };
    for (const [poisoned, code] of [[withNul, '22021'], [outOfRange, '22008']] as const) {
      const result = await runActivity(recordInbound, poisoned, `claim-${poisoned.waId}`);
      expect(result).toMatchObject({ fresh: false, rejected: expect.stringContaining(code) });
      expect((await opened.db.query('SELECT 1 FROM messages WHERE wa_id = $1', [poisoned.waId])).rows).toEqual([]);
    }
    expect(await metrics.registry.getSingleMetricAsString('chatmem_messages_rejected_total')).toMatch(/code="22021"\} 1[\s\S]*code="22008"\} 1/);
    // The next message of the chat is stored as usual.
    expect(await runActivity(recordInbound, message(ANA, 'still here', { waId: 'AFTER1' }), 'claim-after')).toMatchObject({ fresh: true, tokens: 2 });

    const away = await unreachable();
    const { recordInbound: recordWhileAway } = createMemoryActivities({ stm: new StmRepository(away), settings: TEST_ACTIVITY_SETTINGS, metrics });
    await expect(runActivity(recordWhileAway, message(ANA, 'later', { waId: 'AWAY1' }), 'claim-away')).rejects.toThrow();
    if (away.kind === 'postgres') await away.close();
  });
});

describe('statements on PostgreSQL', () => {
  it('are prepared once per connection and reused, unless DATABASE_PREPARED_STATEMENTS is false (a pooler in transaction mode)', async () => {
    const test = await createTestDatabase();
    try {
      for (const prepare of [true, false]) {
        const db = openPostgresDatabase(test.url, { max: 1, prepare });
        const stm = new StmRepository(db);
        const chat = { session: 'default', chatId: prepare ? ANA : BIA };
        for (const n of [1, 2]) expect(await stm.recordInbound(message(chat.chatId, `hello ${n}`, { waId: `PREP${n}${prepare}` }), `claim-prep-${n}-${prepare}`)).toEqual({ fresh: true, storedNow: true });
        expect((await windowOf(stm, chat, 10)).map((line) => line.content)).toEqual(['hello 1', 'hello 2']);
        // Without parameters this query itself runs unnamed; the pool's one connection shows what it keeps.
        const { rows } = await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
        expect(rows.filter((row) => row.statement.includes('INSERT INTO sessions'))).toHaveLength(prepare ? 1 : 0);
        await db.close();
      }
    } finally {
      await test.drop();
    }
  });
});
