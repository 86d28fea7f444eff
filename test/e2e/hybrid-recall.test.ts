import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { embedText, rememberMessages } from '../../src/activities/embedding.js';
import { recallEarlierMessages } from '../../src/activities/recall-earlier-messages.js';
import { createLocalEmbedder, LOCAL_EMBEDDING_DIMENSIONS, LOCAL_EMBEDDING_MODEL } from '../../src/clients/local-embedder.js';
import type { RecallMode } from '../../src/domain/recall.js';
import { resolveEmbeddingModel } from '../../src/embedded/embedding-model.js';
import { embed } from '../../src/offline/offline-model.js';
import { wahaMessageEvent } from '../../src/simulator/waha-events.js';
import { StmRepository } from '../../src/stores/sql/stm-repository.js';
import { LongTermMemory } from '../../src/stores/vector/long-term-memory.js';
import { openVectorStore } from '../../src/stores/vector/open-vector-store.js';
import { WAIT_MS } from '../support/http.js';
import { inboundMessage, TEST_ME } from '../support/inbound.js';
import { SQL_ENGINES, type OpenedDatabase } from '../support/sql-engines.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

// Issue 8: the zero-config bot's embeddings were hashed words, so "what pet do I have?" could
// never find "my dog Rex…"; and nothing searched the transcript by its words. Recall is now
// full-text search and the local model's vectors, fused, each hit with its neighbours and date.

const ANA = '5511955550001@c.us';
const BIA = '5511955550002@c.us';
const GROUP = '120363000000000888@g.us';
const DAY = 86_400;
const FIRST_DAY = Date.UTC(2026, 2, 1, 12) / 1000;
const PET = 'my dog Rex loves chasing seagulls at the beach';
const PET_QUESTION = 'what pet do I have?';
const GATE = 'the gate code of my building is 4471, the courier should ring twice';
const GATE_REPLY = 'noted: gate code 4471, ring twice';
const CITY = 'moro em São Paulo com minha irmã';
const CAMPED = 'we camped by the lake with the kids last summer';
// Everyday questions that share the question's small words ("what", "do", "I", "have"),
// which is all hashed word vectors can match on.
const FILLERS = [
  'what time do you open on saturday?',
  'do I have to pay for delivery?',
  'I have a coupon, what do I do with it?',
  'what do you have for breakfast today?',
  'do you have gluten free bread?',
  'I have two orders, can you merge them?',
  'what do I need to bring for pickup?',
  'do you deliver on holidays?',
  'what cakes do you have this week?',
  'I have to change my address, what do I do?',
];

/** The model as `npm start` runs it, loaded once for the file. */
let embedder: Awaited<ReturnType<typeof createLocalEmbedder>>;
beforeAll(async () => {
  embedder = await createLocalEmbedder({ modelDir: resolveEmbeddingModel(), threads: 1 });
});
afterAll(async () => embedder?.close());

describe.each(SQL_ENGINES)('hybrid recall with short-term memory on $name', ({ open }) => {
  let opened: OpenedDatabase;
  let stm: StmRepository;
  let ltm: LongTermMemory;
  const chat = { session: 'default', chatId: ANA };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    opened = await open();
    stm = new StmRepository(opened.db);
    // Where `npm start` would keep the vectors: beside short-term memory, or in PGlite.
    const vectors = await openVectorStore({
      qdrantUrl: null,
      qdrantApiKey: null,
      dataDir: mkdtempSync(`${tmpdir()}/chatmem-hybrid-`),
      dimensions: LOCAL_EMBEDDING_DIMENSIONS,
      model: LOCAL_EMBEDDING_MODEL,
      db: opened.db,
    });
    ltm = new LongTermMemory(vectors);
    // One message a day, each answered, as the pipeline stores and remembers them.
    const said = ['hi, a question about my order', PET, GATE, CITY, ...FILLERS, CAMPED];
    for (const [day, text] of said.entries()) {
      const message = inboundMessage(ANA, text, { timestamp: FIRST_DAY + day * DAY });
      await stm.recordInbound(message, `claim-${day}`);
      await rememberMessages({ embedder, ltm }, [message]);
      ids[text] = message.messageId;
      const reply = text === GATE ? GATE_REPLY : `thanks, noted (${day})`;
      await stm.recordReply({ ...chat, text: reply, meId: TEST_ME.id, inReplyTo: message.messageId, claimToken: `reply-${day}`, at: (message.timestamp + 5) * 1000 });
    }
  });
  afterAll(async () => {
    await ltm?.store.close();
    await opened?.drop();
  });

  const recall = async (query: string, mode: RecallMode, shown: string[] = []) =>
    (
      await recallEarlierMessages(
        { stm, ltm },
        { chat, isGroupChat: false, query, queryVector: await embedText(embedder, query), mode, limit: 5, shownMessageIds: new Set(shown) },
      )
    ).map((passage) => passage.text);

  it('finds by meaning what shares no word with the question, where words alone find nothing', async () => {
    expect((await recall(PET_QUESTION, 'hybrid')).join('\n')).toContain(PET);
    expect((await recall(PET_QUESTION, 'vectors')).join('\n')).toContain(PET);
    expect((await recall(PET_QUESTION, 'text')).join('\n')).not.toContain(PET);
  });

  it('finds by words, with the reply that followed and the date it was said', async () => {
    const [first] = await recall('the courier is at the gate again', 'text');
    expect(first).toBe(`[2026-03-02] you: thanks, noted (1)\n  [2026-03-03] user: ${GATE}\n  you: ${GATE_REPLY}`);
    // Fused, it is still there (a line another passage shows is not repeated in it).
    expect((await recall('the courier is at the gate again', 'hybrid')).join('\n')).toContain(`[2026-03-03] user: ${GATE}\n  you: ${GATE_REPLY}`);
  });

  it('matches words with or without their accents', async () => {
    expect((await recall('voce sabe onde fica sao paulo?', 'text')).join('\n')).toContain(CITY);
  });

  it('finds a word in another form than the question has it', async () => {
    expect((await recall('where did we go camping?', 'text')).join('\n')).toContain(CAMPED);
  });

  it('leaves out what the prompt already holds, and gives at most the passages asked for', async () => {
    expect((await recall(PET_QUESTION, 'hybrid', [ids[PET]!])).join('\n')).not.toContain(PET);
    expect((await recall('what do I have?', 'hybrid')).length).toBeLessThanOrEqual(5);
  });

  it('in a group, recalls what people told each other, not what they asked the bot before', async () => {
    const group = { session: 'default', chatId: GROUP };
    const lines = [
      { from: BIA, text: 'the birthday party for Ana is on the 12th of June, at the lake house' },
      ...FILLERS.slice(0, 4).map((text) => ({ from: BIA, text })),
      { from: ANA, text: 'when is the birthday party?', answered: true },
      ...FILLERS.slice(4, 8).map((text) => ({ from: BIA, text })),
    ];
    for (const [index, line] of lines.entries()) {
      const message = inboundMessage(GROUP, line.text, { from: line.from, timestamp: FIRST_DAY + index * 60 });
      await stm.recordInbound(message, `group-${index}`);
      await rememberMessages({ embedder, ltm }, [message]);
      if (line.answered) {
        await stm.recordReply({ ...group, text: 'I do not know yet', meId: TEST_ME.id, inReplyTo: message.messageId, claimToken: `group-reply-${index}`, at: (message.timestamp + 5) * 1000 });
      }
    }
    // The best passage, in every mode: without the rule, the same question asked before would be it.
    for (const mode of ['text', 'vectors', 'hybrid'] as const) {
      const passages = (
        await recallEarlierMessages(
          { stm, ltm },
          { chat: group, isGroupChat: true, query: 'when is the birthday party?', queryVector: await embedText(embedder, 'when is the birthday party?'), mode, limit: 1, shownMessageIds: new Set() },
        )
      )
        .map((passage) => passage.text)
        .join('\n');
      expect(passages).toContain('birthday party for Ana is on the 12th of June');
      expect(passages).not.toContain('when is the birthday party?');
    }
  });

  it('hashed word vectors, the old zero-config memory, rank the dog below everyday questions', async () => {
    const query = embed(PET_QUESTION, 64);
    const cosine = (text: string) => embed(text, 64).reduce((sum, value, i) => sum + value * query[i]!, 0);
    const better = FILLERS.filter((text) => cosine(text) > cosine(PET));
    expect(better.length).toBeGreaterThanOrEqual(5);
  });
});

describe('the pipeline with the local model', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Only the recent four lines are in the transcript part of the prompt.
    stack = await startTestStack({ env: { EMBEDDING_PROVIDER: 'local', EMBEDDING_DIMENSIONS: String(LOCAL_EMBEDDING_DIMENSIONS), STM_WINDOW: '4' } });
  });
  afterAll(async () => stack?.stop());

  /** A person's message through the webhook, and its reply (found by the text, which the stand-in echoes). */
  const sayIn = async (chatId: string, senderName: string, text: string) => {
    expect((await stack.post(wahaMessageEvent({ session: 'default', me: stack.waha.me, chatId, fromMe: false, senderName, text }))).status).toBe(202);
    await stack.replyTo(text, 60_000);
  };

  it('brings "my dog Rex…" into the prompt for "what pet do I have?", turns later', { timeout: 180_000 }, async () => {
    const say = (text: string) => sayIn(ANA, 'Ana', text);
    await say(PET);
    for (const filler of FILLERS) await say(filler);
    await vi.waitUntil(async () => (await stack.deps.ltm.store.count('longterm_memory', { chatId: ANA })) === 1 + FILLERS.length, 60_000);

    await say(PET_QUESTION);
    const prompt = stack.openai.replyPrompts().find((request) => request.messages.at(-1)?.content.includes(PET_QUESTION))!;
    const transcript = prompt.messages.slice(1).map((message) => message.content).join('\n');
    expect(transcript).not.toContain(PET);
    expect(prompt.messages[0]!.content).toContain(`user: ${PET}`);
  });

  it('searches nothing while the prompt holds the whole chat, and recalls once the chat is longer', { timeout: 120_000 }, async () => {
    const textSearches = vi.spyOn(stack.deps.stm, 'searchTranscript');
    const vectorSearches = vi.spyOn(stack.deps.ltm, 'similarMessages');
    const searches = [textSearches, vectorSearches];
    const searchedFor = (chatId: string) =>
      textSearches.mock.calls.filter(([chat]) => chat.chatId === chatId).length + vectorSearches.mock.calls.filter(([chat]) => chat === chatId).length;
    // Bia's own words, so each wait is for her reply and not for one Ana got earlier.
    const say = (text: string) => sayIn(BIA, 'Bia', `${text} (Bia)`);
    try {
      // Two turns: three lines in the prompt's transcript at the second reply, under the window of four.
      await say(PET);
      await say(FILLERS[0]!);
      expect(searchedFor(BIA)).toBe(0);
      // The third reply's transcript is cut to four lines: the first message is only in memory.
      await say(PET_QUESTION);
      expect(searchedFor(BIA)).toBe(2);
    } finally {
      searches.forEach((spy) => spy.mockRestore());
    }
  });
});
