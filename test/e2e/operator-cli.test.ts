import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { wahaMessageEvent } from '../../src/simulator/waha-events.js';
import { eraseUpdate } from '../../src/workflows/chat-workflow.js';
import { variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

const ANA = '5511911110001@c.us';
const BRUNO = '5511911110002@c.us';
const GROUP = '120363000000000001@g.us';

// Small summary limit: Ana's chat gets summaries, which erase must remove too.
const stack = useTestStack({ env: { SUMMARY_TOKEN_LIMIT: '60', GROUP_REPLY: 'always' } });

async function say(chatId: string, from: string, senderName: string, text: string) {
  const inGroup = chatId.endsWith('@g.us');
  const event = wahaMessageEvent({ session: 'default', me: stack.waha.me, chatId, fromMe: false, senderName, text, ...(inGroup ? { participant: from } : {}) });
  expect((await stack.post(event)).status).toBe(202);
  await stack.replyTo(text);
  return event;
}

const memoryOf = (chatId: string) => stack.chatMemory('default', chatId);

const chatmem = (...args: string[]) => stack.chatmem(...args);

async function personRows(contactId: string) {
  const [row] = await stack.rows<{ messages: number; chats: number; summaries: number }>(
    `SELECT (SELECT count(*)::int FROM messages m JOIN sessions s ON s.id = m.session_id
              WHERE s.chat_id = $1 OR m.actor_id = $1 OR m.in_reply_to LIKE '%' || $1) AS messages,
            (SELECT count(*)::int FROM sessions WHERE chat_id = $1) AS chats,
            (SELECT count(*)::int FROM summaries x JOIN sessions s ON s.id = x.session_id WHERE s.chat_id = $1) AS summaries`,
    [contactId],
  );
  const store = stack.deps.ltm.store;
  return {
    ...row!,
    memories: (await store.count('longterm_memory', { chatId: contactId })) + (await store.count('longterm_memory', { chatId: GROUP, actorId: contactId })),
    facts: await store.count('user_knowledge', { ltmId: contactId }),
  };
}

describe('the chatmem CLI', () => {
  beforeAll(async () => {
    await say(ANA, ANA, 'Ana', 'Hello, my name is Ana.');
    // WAHA delivers this one twice.
    expect((await stack.post(await say(ANA, ANA, 'Ana', 'I live in Recife.'))).status).toBe(202);
    await say(ANA, ANA, 'Ana', 'My favorite fruit is mango, and I would like to order a cake for Saturday.');
    await say(BRUNO, BRUNO, 'Bruno', 'My name is Bruno.');
    // Background learning has caught up once the facts show in the memory queries (each chat
    // shows what its own last extraction left). The group speaks once both private chats are
    // learned, so its extraction starts from what they taught (with both learned at once, the
    // group's could read Ana's facts before her chat had stored them).
    await vi.waitUntil(async () => (await memoryOf(ANA)).knowledge[ANA]?.length === 3, WAIT_MS);
    await vi.waitUntil(async () => (await memoryOf(BRUNO)).knowledge[BRUNO]?.length === 1, WAIT_MS);
    await say(GROUP, ANA, 'Ana', 'I am allergic to peanuts.');
    await say(GROUP, BRUNO, 'Bruno', 'My favorite color is blue.');
    await vi.waitUntil(async () => {
      const { knowledge } = await memoryOf(GROUP);
      return (knowledge[ANA]?.length === 4 && knowledge[BRUNO]?.length === 2) || undefined;
    }, WAIT_MS);
  }, 120_000);

  it('inspect shows the state, summary, knowledge and last messages of a chat', async () => {
    const { code, output } = await chatmem('inspect', '+55 11 91111-0001');
    expect(code).toBe(0);
    expect(output).toContain(`chat ${ANA} (session default)`);
    // A message WAHA delivered again is dropped: the count says so.
    expect(output).toMatch(/messages: \d+ seen, \d+ replies, 0 failed, [1-9]\d* echoes and redeliveries dropped/);
    expect(output).toMatch(/summary: Conversation so far/);
    for (const fact of ['name: ana', 'city: recife', 'favorite fruit: mango']) expect(output).toContain(`${ANA}: ${fact}`);
    expect(output).toMatch(/Ana: I live in Recife\./);
    expect(output).toMatch(/bot: Re: I live in Recife\./);
  });

  it('erase leaves nothing of the person in any store, prints the counts per store, and keeps everyone else', async () => {
    const before = await personRows(ANA);
    const bruno = await personRows(BRUNO);
    expect(before.messages).toBeGreaterThan(0);
    expect(before.summaries).toBeGreaterThan(0);
    expect(before.memories).toBe(4);
    expect(before.facts).toBe(4);

    const { code, output } = await chatmem('erase', '5511911110001');
    expect(code, output).toBe(0);
    expect(output).toContain(`short-term memory: messages: ${before.messages}`);
    expect(output).toContain(`summaries: ${before.summaries}`);
    expect(output).toContain(`long-term memory (vectors): ${before.memories}`);
    expect(output).toContain(`knowledge (vectors): ${before.facts}`);

    expect(await personRows(ANA)).toEqual({ messages: 0, chats: 0, summaries: 0, memories: 0, facts: 0 });
    const leftovers = await stack.rows("SELECT content FROM messages WHERE content ~* '(ana|recife|mango|peanuts)'");
    expect(leftovers).toEqual([]);
    // The workflows forgot her too: her chat starts over, the group keeps only Bruno.
    expect(await memoryOf(ANA)).toEqual({ summary: null, knowledge: {}, recent: [] });
    const group = await memoryOf(GROUP);
    expect(Object.keys(group.knowledge)).toEqual([BRUNO]);
    expect(group.recent.map((line) => line.from)).not.toContain(ANA);
    expect(await personRows(BRUNO)).toEqual(bruno);
  });

  it('erasing a group removes it from every store, with the facts its messages taught, and keeps what members said elsewhere', async () => {
    const { code, output } = await chatmem('erase', GROUP);
    expect(code, output).toBe(0);
    expect(output).toMatch(/long-term memory \(vectors\): 1\b/);
    expect(output).toMatch(/knowledge \(vectors\): 1\b/);
    expect(await stack.rows('SELECT 1 FROM sessions WHERE chat_id = $1', [GROUP])).toEqual([]);
    expect(await stack.rows("SELECT 1 FROM messages WHERE content LIKE '%blue%'")).toEqual([]);
    expect(await stack.deps.ltm.store.count('longterm_memory', { chatId: GROUP })).toBe(0);
    expect((await stack.deps.ltm.facts(BRUNO)).map((fact) => fact.fact)).toEqual(['name: bruno']);
    expect(await memoryOf(GROUP)).toEqual({ summary: null, knowledge: {}, recent: [] });
  });

  it('exports a chat history that replay accepts, and replay rejects a history the code does not produce', async () => {
    const dir = mkdtempSync(`${tmpdir()}/chatmem-history-`);
    const file = `${dir}/bruno.json`;
    const exported = await chatmem('history', 'export', BRUNO, '--out', file);
    expect(exported.code, exported.output).toBe(0);
    expect(exported.output).toMatch(new RegExp(`wrote \\d+ events of chat:default:${BRUNO} to ${file}`));

    // Without --out, into the data folder, which git ignores, not wherever the shell stands.
    const dataDir = mkdtempSync(`${tmpdir()}/chatmem-data-`);
    const byDefault = await stack.chatmemWith({ CHATMEM_DATA_DIR: dataDir }, 'history', 'export', BRUNO);
    expect(byDefault.code, byDefault.output).toBe(0);
    expect(existsSync(`${dataDir}/histories/chat_default_${BRUNO.replace('@', '_')}.history.json`)).toBe(true);

    const replayed = await chatmem('replay', file);
    expect(replayed.code, replayed.output).toBe(0);
    expect(replayed.output).toContain('replay cleanly');

    const history = JSON.parse(readFileSync(file, 'utf8'));
    const scheduled = history.events.find((event: any) => event.activityTaskScheduledEventAttributes);
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'somethingElse';
    writeFileSync(`${dir}/tampered.json`, JSON.stringify(history));
    const rejected = await chatmem('replay', `${dir}/tampered.json`);
    expect(rejected.code).toBe(1);
    expect(rejected.output).toMatch(/[Nn]ondetermin/);
  });

  it('says, with exit code 1, that a chat it never had is not there, whatever the command', async () => {
    const nobody = '5511900000000';
    for (const command of [['inspect'], ['retry'], ['history', 'export']]) {
      const { code, output } = await chatmem(...command, nobody);
      expect(code, command.join(' ')).toBe(1);
      expect(output, command.join(' ')).toMatch(/^no such chat in session default: chat:default:5511900000000@c\.us has never written/m);
    }
    const erased = await chatmem('erase', nobody);
    expect(erased.code).toBe(1);
    expect(erased.output).toContain('nothing of 5511900000000@c.us in session default: no such chat, and no message of theirs in a group');
  });

  it('explains a usage mistake in one line, with exit code 2, and a history file it cannot read in one line', async () => {
    const bogus = await chatmem('inspect', BRUNO, '--bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.output.split('\n')[0]).toBe('unknown option: --bogus');
    const missing = await chatmem('replay', '/nonexistent/ana.json');
    expect(missing).toEqual({ code: 1, output: 'replay: no such file: /nonexistent/ana.json' });
    const notJson = `${mkdtempSync(`${tmpdir()}/chatmem-history-`)}/notes.json`;
    writeFileSync(notJson, 'these are my notes');
    const bad = await chatmem('replay', notJson);
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(new RegExp(`^replay: ${notJson} is not a workflow history as chatmem history export writes it \\(`));
  });

  it('refuses what is not a chat, changing nothing', async () => {
    const before = await personRows(BRUNO);
    const brunoMemory = await memoryOf(BRUNO);
    const { code, output } = await chatmem('erase', 'bob');
    expect(code).toBe(1);
    expect(output).toContain("'bob' is not a chat");
    // The workflow's own check turns away a malformed erase request sent past the CLI.
    const chat = stack.client.workflow.getHandle(chatWorkflowId('default', BRUNO));
    const refused = await chat.executeUpdate(eraseUpdate, { args: [{ contactId: 'bob' }] }).then(
      () => null,
      (error: Error) => error,
    );
    expect(String(refused?.cause)).toContain("'bob' is not a contact id");
    expect(await personRows(BRUNO)).toEqual(before);
    expect(await memoryOf(BRUNO)).toEqual(brunoMemory);
  });
});

describe('one person under two ids', () => {
  const LID = '77120000000003@lid';
  const PHONE = '5511911110003@c.us';
  const OTHERS = '120363000000000002@g.us';
  const tell = async (event: any) => {
    expect((await stack.post(event)).status).toBe(202);
    await vi.waitUntil(() => stack.waha.sent.some((call) => call.text.includes(`${event.payload.body} [`)), WAIT_MS);
  };
  const everything = async () => {
    const ids = [LID, PHONE];
    const [row] = await stack.rows<{ chats: number; messages: number; links: number }>(
      `SELECT (SELECT count(*)::int FROM sessions WHERE chat_id = ANY($1)) AS chats,
              (SELECT count(*)::int FROM messages WHERE actor_id = ANY($1)) AS messages,
              (SELECT count(*)::int FROM person_ids WHERE lid = ANY($1) OR phone = ANY($1)) AS links`,
      [ids],
    );
    const store = stack.deps.ltm.store;
    let memories = 0;
    let inTheirChats = 0;
    let facts = 0;
    for (const id of ids) {
      memories += await store.count('longterm_memory', { actorId: id });
      inTheirChats += await store.count('longterm_memory', { chatId: id });
      facts += await store.count('user_knowledge', { ltmId: id });
    }
    return { ...row!, memories, inTheirChats, facts };
  };

  it('facts learned under the lid reach the chat under the phone form once a payload carries both', async () => {
    // First only the lid is known (GOWS without SenderAlt): a chat of its own.
    await tell(variant('private-text-incoming.json', { chat: LID, waId: 'RAFA1', body: 'My name is Rafaela.', other: null }));
    await tell(variant('group-text.json', { chat: OTHERS, participant: LID, waId: 'RAFA2', body: 'My favorite color is purple.', other: null }));
    await vi.waitUntil(async () => (await stack.deps.ltm.store.count('user_knowledge', { ltmId: LID })) === 2, WAIT_MS);
    // Then NOWEB carries the phone form beside the lid: the phone-form chat, and the link.
    await tell(variant('lid-sender.json', { chat: LID, waId: 'RAFA3', body: 'What is my name?', other: '5511911110003@s.whatsapp.net' }));
    expect(await stack.rows('SELECT lid, phone FROM person_ids')).toEqual([{ lid: LID, phone: PHONE }]);
    const prompt = stack.openai.replyPrompts().filter((request) => request.messages.at(-1)?.content === 'What is my name?').at(-1)!;
    expect(prompt.messages[0]!.content).toContain('name: rafaela');
    await tell(variant('group-text.json', { chat: OTHERS, participant: PHONE, waId: 'RAFA4', body: 'I live in Olinda.', other: LID }));
    await tell(variant('group-text.json', { chat: OTHERS, participant: BRUNO, waId: 'BRUNO9', body: 'See you all on Sunday.', other: null }));
    await vi.waitUntil(async () => (await everything()).memories === 4, WAIT_MS);
  });

  it('erasing the person by their number leaves nothing under either id, and keeps everyone else', async () => {
    const before = await everything();
    expect(before).toMatchObject({ chats: 2, messages: 4, links: 1, memories: 4, inTheirChats: 2 });
    expect(before.facts).toBeGreaterThanOrEqual(3);
    const { code, output } = await chatmem('erase', '5511911110003');
    expect(code, output).toBe(0);
    expect(output).toContain(`erasing ${LID}, the same person's other id`);
    expect(await everything()).toEqual({ chats: 0, messages: 0, links: 0, memories: 0, inTheirChats: 0, facts: 0 });
    expect(await stack.rows("SELECT content FROM messages WHERE content ~* '(rafaela|purple|olinda)'")).toEqual([]);
    expect(await stack.rows('SELECT content FROM messages WHERE wa_id = $1', ['BRUNO9'])).toEqual([{ content: 'See you all on Sunday.' }]);
  });
});
