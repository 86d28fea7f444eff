/**
 * Recall on a public long-conversation dataset with evidence labels: LoCoMo (Maharana et al.,
 * ACL 2024; see bench/fixtures/locomo/README.md). Each multi-session conversation goes through
 * the webhook as a group chat (HMAC on, GROUP_REPLY=mention, DEBOUNCE_MS=0, PostgreSQL without
 * pgvector so the vectors are in PGlite, the local embedding model; WEBJS bodies), once per recall mode;
 * then each question is asked in each chat, mentioning the bot, and the prompt the stand-in
 * model gets is read: does it hold an evidence turn, all of them, and how long is it.
 *
 *   npm run bench:recall [-- --limit 20] [-- --conversations 26] [-- --top-k 10] [-- --misses]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { countTokens } from '../src/clients/tokenizer.js';
import { LOCAL_EMBEDDING_DIMENSIONS } from '../src/clients/local-embedder.js';
import { RECALL_MODES, type RecallMode } from '../src/domain/recall.js';
import { wahaMessageEvent } from '../src/simulator/waha-events.js';
import { eventually } from '../test/support/http.js';
import { ensurePostgresRunning } from '../test/support/postgres.js';
import { startStack } from '../test/support/stack.js';
import { percentile, printTable } from './support.js';
import { resolveTemporalCli } from '../src/embedded/temporal-cli.js';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '0' },
    conversations: { type: 'string', default: '' },
    // Passages recalled per prompt, as LTM_TOP_K sets it (default: chatmem's).
    'top-k': { type: 'string', default: '' },
    // Print each question whose prompt held no evidence turn, per mode.
    misses: { type: 'boolean', default: false },
  },
});
const LIMIT = Number(values.limit);
const FIXTURES = new URL('./fixtures/locomo/', import.meta.url);
const CATEGORIES: Record<number, string> = { 1: 'multi-hop', 2: 'temporal', 3: 'open-domain', 4: 'single-hop' };
const MODE_NAMES: Record<RecallMode, string> = { text: 'BM25 only', vectors: 'vectors only', hybrid: 'hybrid' };

interface Conversation {
  id: string;
  speakers: [string, string];
  sessions: { date: string; turns: [diaId: string, speaker: string, text: string][] }[];
  qa: { question: string; answer: string; evidence: string[]; category: number }[];
}

const wanted = values.conversations ? values.conversations.split(',') : null;
const conversations: Conversation[] = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json.gz'))
  .map((name) => ({ id: name.match(/(\d+)/)![1]!, ...JSON.parse(gunzipSync(readFileSync(new URL(name, FIXTURES))).toString('utf8')) }))
  .filter((conversation) => !wanted || wanted.includes(conversation.id));

/** "1:56 pm on 8 May, 2023" → seconds since the epoch (UTC). */
function sessionStart(date: string): number {
  const [, hour, minute, half, day, month, year] = date.match(/(\d+):(\d+) (am|pm) on (\d+) (\w+), (\d+)/)!;
  const h = (Number(hour) % 12) + (half === 'pm' ? 12 : 0);
  return Date.parse(`${day} ${month} ${year} ${h}:${minute} UTC`) / 1000;
}

await ensurePostgresRunning();
const stack = await startStack({
  temporalCli: resolveTemporalCli(),
  env: {
    WAHA_WEBHOOK_HMAC_KEY: 'bench-recall-hmac',
    GROUP_REPLY: 'mention',
    DEBOUNCE_MS: '0',
    EMBEDDING_PROVIDER: 'local',
    EMBEDDING_DIMENSIONS: String(LOCAL_EMBEDDING_DIMENSIONS),
    ...(values['top-k'] ? { LTM_TOP_K: values['top-k'] } : {}),
  },
});
const settings = stack.deps.settings.context;
const promptTokens = (messages: { content: string }[]) => messages.reduce((sum, m) => sum + 4 + countTokens(m.content), 0);
const participant = (conversation: Conversation, speaker: string) => `55119${conversation.id.padStart(3, '0')}000${conversation.speakers.indexOf(speaker) + 1}@c.us`;
const groupOf = (conversation: Conversation, mode: RecallMode) => `1203630000${conversation.id.padStart(4, '0')}${RECALL_MODES.indexOf(mode)}@g.us`;
/** A speaker's line in the group of this conversation and mode, as WAHA posts it. */
const groupMessage = (conversation: Conversation, mode: RecallMode, speaker: string, text: string, extra: { timestamp?: number; mentions?: string[] }) =>
  wahaMessageEvent({
    session: 'default',
    me: stack.waha.me,
    chatId: groupOf(conversation, mode),
    participant: participant(conversation, speaker),
    senderName: speaker,
    fromMe: false,
    text,
    ...extra,
  });

interface Outcome {
  mode: RecallMode;
  category: number;
  answered: boolean;
  any: boolean;
  all: boolean;
  tokens: number;
  question: string;
  evidence: string[];
}
const outcomes: Outcome[] = [];
const incomplete: string[] = [];
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;

try {
  for (const conversation of conversations) {
    const turnText = new Map(conversation.sessions.flatMap((session) => session.turns.map(([diaId, , text]) => [diaId, text] as const)));
    const turns = conversation.sessions.flatMap((session) =>
      session.turns.map(([, speaker, text], index) => ({ speaker, text, timestamp: sessionStart(session.date) + index * 30 })),
    );
    // The same conversation in one group per mode, fed side by side, each in its order.
    await Promise.all(
      RECALL_MODES.map(async (mode) => {
        for (const turn of turns) {
          const { status } = await stack.post(groupMessage(conversation, mode, turn.speaker, turn.text, { timestamp: turn.timestamp }));
          if (status !== 202) throw new Error(`webhook answered ${status}`);
        }
      }),
    );
    for (const mode of RECALL_MODES) {
      const chatId = groupOf(conversation, mode);
      const embedded = () => stack.deps.ltm.store.count('longterm_memory', { chatId });
      // A group that does not get there is reported, and measured as it is.
      await eventually(async () => (await embedded()) === turns.length || undefined, `conversation ${conversation.id} embedded`, 300_000).catch(async () => {
        const state = await stack.chatState('default', chatId).catch((error: unknown) => String(error));
        incomplete.push(`${chatId} (${mode}): ${await embedded()} of ${turns.length} turns embedded; state ${JSON.stringify(state)}`);
      });
    }
    console.error(`… conversation ${conversation.id}: ${turns.length} turns in ${RECALL_MODES.length} groups, ${elapsed()}`);

    const questions = LIMIT ? conversation.qa.slice(0, LIMIT) : conversation.qa;
    const asker = conversation.speakers[0];
    for (const [index, qa] of questions.entries()) {
      const evidence = qa.evidence.flatMap((id) => id.split(/[;,\s]+/)).map((id) => turnText.get(id)).filter((text): text is string => !!text);
      for (const mode of RECALL_MODES) {
        settings.recall = mode;
        const promptsBefore = stack.openai.replyPrompts().length;
        const sentBefore = stack.waha.sent.length;
        await stack.post(groupMessage(conversation, mode, asker, qa.question, { mentions: [stack.waha.me.id] }));
        const prompt = await eventually(() => stack.openai.replyPrompts().slice(promptsBefore).find((r) => r.messages.at(-1)?.content.includes(qa.question)), 'the prompt', 60_000).catch(() => null);
        const answered = await eventually(() => stack.waha.sent.length > sentBefore || undefined, 'the reply', 30_000).then(() => true, () => false);
        const text = prompt ? prompt.messages.map((m) => m.content).join('\n') : '';
        // A turn is in the prompt when its text is, whole (it may be cut only past 2,000 characters).
        const found = evidence.map((turn) => text.includes(turn.slice(0, 2000)));
        outcomes.push({ mode, category: qa.category, answered, any: found.some(Boolean), all: found.length > 0 && found.every(Boolean), tokens: prompt ? promptTokens(prompt.messages) : 0, question: qa.question, evidence });
      }
      if ((index + 1) % 25 === 0) console.error(`… conversation ${conversation.id}: ${index + 1}/${questions.length} questions, ${elapsed()}`);
    }
  }
} finally {
  await stack.stop();
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : '-');
const summarize = (rows: Outcome[]) => {
  const tokens = rows.map((row) => row.tokens).sort((a, b) => a - b);
  // A question whose evidence ids name no turn of the dataset cannot be found: it counts as asked, not as missed.
  const measurable = rows.filter((r) => r.evidence.length > 0);
  return [rows.length, pct(rows.filter((r) => r.answered).length, rows.length), pct(measurable.filter((r) => r.any).length, measurable.length), pct(measurable.filter((r) => r.all).length, measurable.length), percentile(tokens, 50), percentile(tokens, 95)];
};
const header = ['category', 'questions', 'answered', 'evidence in prompt (any)', 'evidence in prompt (all)', 'prompt tokens p50', 'p95'];
for (const mode of RECALL_MODES) {
  const rows = outcomes.filter((o) => o.mode === mode);
  printTable(
    `Recall: ${MODE_NAMES[mode]} (RECALL=${mode}), LoCoMo conversations ${conversations.map((c) => c.id).join(', ')}`,
    header,
    [...Object.entries(CATEGORIES).map(([category, name]) => [name, ...summarize(rows.filter((r) => r.category === Number(category)))]), ['all', ...summarize(rows)]],
  );
}
const anyRate = (mode: RecallMode, category?: number) => {
  const rows = outcomes.filter((o) => o.mode === mode && o.evidence.length > 0 && (category === undefined || o.category === category));
  return rows.filter((r) => r.any).length / Math.max(1, rows.length);
};
printTable(
  'Evidence in prompt (any), hybrid against each ranker alone',
  ['category', 'hybrid / BM25 only', 'hybrid / vectors only'],
  [...Object.entries(CATEGORIES).map(([category, name]) => [name, anyRate('hybrid', Number(category)) / anyRate('text', Number(category)), anyRate('hybrid', Number(category)) / anyRate('vectors', Number(category))]), ['all', anyRate('hybrid') / anyRate('text'), anyRate('hybrid') / anyRate('vectors')]].map((row) =>
    row.map((cell) => (typeof cell === 'number' ? `${cell.toFixed(2)}×` : cell)),
  ),
);
console.log(`\n${outcomes.length / RECALL_MODES.length} questions × ${RECALL_MODES.length} modes in ${elapsed()}, LTM_TOP_K=${stack.config.context.ltmTopK}; targets: evidence (any) ≥ 85% at p95 ≤ 3,000 prompt tokens`);
if (values.misses) {
  for (const miss of outcomes.filter((o) => !o.any && o.evidence.length > 0)) console.log(`MISS ${miss.mode} [${CATEGORIES[miss.category]}] ${miss.question}\n    ${miss.evidence.map((turn) => turn.slice(0, 160)).join('\n    ')}`);
}
for (const line of incomplete) console.log(`NOT COMPLETE: ${line}`);
process.exit(0);
