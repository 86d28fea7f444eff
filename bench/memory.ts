/**
 * Memory at scale, on real parts (Temporal dev server, PostgreSQL, PGlite + pgvector) with
 * the deterministic stand-in model:
 *  1. prompt tokens per reply as the chat grows, against sending the whole history;
 *  2. planted-fact recall: 20 facts told early, each asked about at the end, after many
 *     summaries: how many reach the prompt.
 *
 *   npm run bench:memory [-- --length 5000]
 */
import { parseArgs } from 'node:util';
import { countTokens } from '../src/clients/tokenizer.js';
import { chatWorkflowId } from '../src/domain/chat-workflow-id.js';
import { variant } from '../test/support/fixtures.js';
import { eventually } from '../test/support/http.js';
import { ensurePostgresRunning } from '../test/support/postgres.js';
import { startStack } from '../test/support/stack.js';
import { printTable } from './support.js';
import { resolveTemporalCli } from '../src/embedded/temporal-cli.js';

const { values } = parseArgs({ options: { length: { type: 'string', default: '5000' } } });
const LENGTH = Number(values.length);
const CHECKPOINTS = [10, 100, 1000, 5000].filter((n) => n <= LENGTH);
const CHAT = '5521960000001@c.us';

const THINGS = ['color', 'fruit', 'movie', 'song', 'book', 'city', 'sport', 'drink', 'dessert', 'flower',
  'animal', 'season', 'cheese', 'bread', 'game', 'painter', 'band', 'number', 'tea', 'vegetable'];
const VALUES = ['teal', 'mango', 'casablanca', 'yesterday', 'dune', 'lisbon', 'tennis', 'lemonade', 'pudding', 'orchid',
  'otter', 'autumn', 'brie', 'ciabatta', 'chess', 'monet', 'queen', 'seven', 'oolong', 'artichoke'];

await ensurePostgresRunning();
const stack = await startStack({ temporalCli: resolveTemporalCli(), env: { DEBOUNCE_MS: '0' } });
let sequence = 0;
const say = (body: string) => stack.post(variant('private-text-incoming.json', { chat: CHAT, waId: `BM${sequence++}`, body }));
/** The offline model quotes the first 120 characters of what it answers. */
const repliesTo = (body: string) => stack.repliesTo(body.slice(0, 120));
const replied = (body: string) => repliesTo(body).length > 0;
const promptFor = (body: string) => stack.openai.replyPrompts().filter((r) => r.messages.at(-1)?.content === body).at(-1)!;
const promptTokens = (messages: { content: string }[]) => messages.reduce((sum, m) => sum + 4 + countTokens(m.content), 0);

const filler = (i: number) => `message ${i}: checking order number ${i}, the delivery window and whether the bakery has ${['croissants', 'baguettes', 'cakes', 'pies'][i % 4]} today`;
const script: string[] = [];
for (let i = 0; i < LENGTH; i++) {
  const fact = i % 3 === 1 && Math.floor(i / 3) < THINGS.length ? Math.floor(i / 3) : -1;
  script.push(fact >= 0 ? `by the way, my favorite ${THINGS[fact]} is ${VALUES[fact]}.` : filler(i));
}

const growth: (string | number)[][] = [];
const started = performance.now();
try {
  let fullHistory = promptTokens([{ content: stack.config.context.systemPrompt }]);
  for (let i = 0; i < LENGTH; i += 10) {
    const group = script.slice(i, i + 10);
    for (const body of group) await say(body); // in order: arrival order is the script's
    await eventually(() => group.every(replied), `replies ${i}..${i + group.length}`, 120_000);
    for (const body of group) {
      const reply = repliesTo(body)[0]!;
      fullHistory += 8 + countTokens(body) + countTokens(reply.text);
    }
    const length = i + group.length;
    if (CHECKPOINTS.includes(length)) {
      const tokens = promptTokens(promptFor(group.at(-1)!).messages);
      growth.push([length, tokens, fullHistory, fullHistory / tokens]);
      console.error(`… ${length} messages, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
  }

  // Recall: ask about every planted fact.
  let recalled = 0;
  for (let f = 0; f < THINGS.length; f++) {
    const question = `what is my favorite ${THINGS[f]}?`;
    await say(question);
    await eventually(() => replied(question), `answer about ${THINGS[f]}`);
    if (promptFor(question).messages[0]!.content.includes(`favorite ${THINGS[f]}: ${VALUES[f]}`)) recalled += 1;
  }
  const state = await stack.client.workflow.getHandle(chatWorkflowId('default', CHAT)).query('state') as { summaries: number };
  const summaries = (await stack.rows<{ n: number }>('SELECT count(*)::int AS n FROM summaries'))[0]?.n ?? 0;

  printTable('Prompt tokens per reply as the chat grows (chatmem vs. the whole history)', ['messages', 'chatmem prompt', 'full history', 'ratio'], growth);
  printTable('Planted facts (told in the first 60 messages, asked after the last)', ['measure', 'value'], [
    ['facts planted', THINGS.length],
    ['facts in the prompt when asked', recalled],
    ['summaries made (database)', summaries],
    ['summaries counted by the workflow (carried across runs)', state.summaries],
    ['wall time, s', (performance.now() - started) / 1000],
  ]);
} finally {
  await stack.stop();
}
