/**
 * Time to take in and store one message against its length: the webhook's reading of the
 * body (JSON, normalization) and the storage step (recordInbound: the row in PostgreSQL or
 * PGlite, and the token count), for spaced text (common words, and words of random letters),
 * one repeated character and CJK without spaces, from 1 KB to 2 MB. The cap (MAX_MESSAGE_CHARS_STORED) is lifted here so that each
 * length is stored whole. The peer is the token count chatmem used before (gpt-tokenizer on
 * the whole text), on the same text in the same run, while it stays under --peer-limit-ms.
 *
 *   npm run bench:store [-- --sizes 1024,10240,102400,1048576,2097152 --peer-limit-ms 20000]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { countTokens as countInOnePiece } from 'gpt-tokenizer';
import { createMemoryActivities } from '../src/activities/memory-activities.js';
import { countTokens } from '../src/clients/tokenizer.js';
import { WHATSAPP_MAX_TEXT_CHARS } from '../src/domain/safe-text.js';
import { interpretWahaEvent } from '../src/domain/waha-event.js';
import type { Database } from '../src/stores/sql/database.js';
import { migrate } from '../src/stores/sql/migrate.js';
import { openPgliteDatabase } from '../src/stores/sql/pglite-database.js';
import { StmRepository } from '../src/stores/sql/stm-repository.js';
import { runActivity, TEST_ACTIVITY_SETTINGS } from '../test/support/activities.js';
import { variant } from '../test/support/fixtures.js';
import { createTestDatabase, ensurePostgresRunning } from '../test/support/postgres.js';
import { printTable } from './support.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1024,10240,102400,1048576,2097152' },
    'peer-limit-ms': { type: 'string', default: '20000' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const peerLimitMs = Number(values['peer-limit-ms']);

const WORDS = (
  'oi bom dia obrigado você vocês amanhã cedo abrem queria encomendar bolo chocolate sábado entregam Botafogo preço pão café ' +
  'hello thanks tomorrow morning open order cake delivery price bread coffee please could would the and for with from about ' +
  'there here what when where which who why how meu nome é moro em Recife Lisboa Porto favorite color blue green allergic nuts'
).split(' ');

const KINDS: Record<string, (length: number) => string> = {
  'spaced text': prose,
  'random-letter words': randomWords,
  'one character': (length) => 'a'.repeat(length),
  'CJK, no spaces': cjkText,
};

await ensurePostgresRunning();
const postgres = await createTestDatabase();
const pglite = await openPgliteDatabase(mkdtempSync(`${tmpdir()}/chatmem-bench-store-`));
await migrate(pglite);
const engines: [string, Database][] = [
  ['PostgreSQL', postgres.pool],
  ['PGlite', pglite],
];

let sequence = 0;
const rows: (string | number)[][] = [];
const peerSkipped = new Set<string>();
for (const [kind, make] of Object.entries(KINDS)) {
  for (const [index, length] of sizes.entries()) {
    const text = make(length);
    sequence += 1;
    const raw = JSON.stringify(variant('private-text-incoming.json', { waId: `BENCH${sequence}`, body: text }));

    const doorStarted = performance.now();
    const outcome = interpretWahaEvent(JSON.parse(raw), { maxMessageChars: length });
    const doorMs = performance.now() - doorStarted;
    if (outcome.kind !== 'message') throw new Error(outcome.reason);

    const storeMs: number[] = [];
    for (const [, db] of engines) {
      const { recordInbound } = createMemoryActivities({ stm: new StmRepository(db), settings: TEST_ACTIVITY_SETTINGS });
      const started = performance.now();
      const stored = await runActivity(recordInbound, outcome.message, `bench-${sequence}`);
      storeMs.push(performance.now() - started);
      if (!stored.fresh) throw new Error('not stored');
    }

    let peer = 'not run';
    if (!peerSkipped.has(kind)) {
      const started = performance.now();
      countInOnePiece(text);
      const peerMs = performance.now() - started;
      peer = peerMs.toFixed(peerMs < 10 ? 1 : 0);
      // Its time grows with the square of a long run: skip the next size when that would pass the limit.
      const next = sizes[index + 1];
      if (next && peerMs * (next / length) ** 2 > peerLimitMs) peerSkipped.add(kind);
    }
    const ourCountMs = timed(() => countTokens(text));
    rows.push([kind, kib(length), doorMs, storeMs[0]!, storeMs[1]!, ((doorMs + storeMs[0]!) * 1000) / length, ourCountMs, peer]);
  }
}

printTable(
  'Taking in and storing one message, by length (ms; the cap lifted so every length is stored whole)',
  ['text', 'length', 'webhook read', 'store, PostgreSQL', 'store, PGlite', 'µs per char (read + store, PostgreSQL)', 'token count', 'token count before (one piece)'],
  rows,
);

// With the default cap, the longest body a webhook takes (2 MB) is stored as its first 65,536 characters.
const defaultRows: (string | number)[][] = [];
for (const [kind, make] of Object.entries(KINDS)) {
  sequence += 1;
  const raw = JSON.stringify(variant('private-text-incoming.json', { waId: `BENCH${sequence}`, body: make(2 * 1024 * 1024) }));
  const started = performance.now();
  const outcome = interpretWahaEvent(JSON.parse(raw), { maxMessageChars: WHATSAPP_MAX_TEXT_CHARS });
  if (outcome.kind !== 'message') throw new Error(outcome.reason);
  const { recordInbound } = createMemoryActivities({ stm: new StmRepository(postgres.pool), settings: TEST_ACTIVITY_SETTINGS });
  await runActivity(recordInbound, outcome.message, `bench-${sequence}`);
  defaultRows.push([kind, performance.now() - started, outcome.message.body!.length]);
}
printTable('A 2 MB body with the default MAX_MESSAGE_CHARS_STORED (65,536), read and stored in PostgreSQL', ['text', 'ms', 'characters stored'], defaultRows);

await pglite.close();
await postgres.drop();

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

function kib(length: number): string {
  return length >= 1024 * 1024 ? `${length / (1024 * 1024)} MB` : `${length / 1024} KB`;
}

/** Chat-like text: common Portuguese and English words, some numbers, sentences and lines. */
function prose(length: number): string {
  const random = pseudoRandom(length);
  let text = '';
  while (text.length < length) {
    text += `${WORDS[Math.floor(random() * WORDS.length)]}${random() < 0.1 ? '. ' : random() < 0.05 ? '!\n' : ' '}`;
    if (random() < 0.02) text += `${Math.floor(random() * 100_000)} `;
  }
  return text.slice(0, length);
}

/** Words of 2–10 random letters: text the tokenizer knows no word of, its slowest kind. */
function randomWords(length: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzçãéõ';
  const random = pseudoRandom(length);
  let text = '';
  while (text.length < length) {
    let word = '';
    for (let i = 2 + Math.floor(random() * 9); i > 0; i--) word += letters[Math.floor(random() * letters.length)];
    text += `${word}${random() < 0.08 ? '.\n' : ' '}`;
  }
  return text.slice(0, length);
}

/** Han characters from a fixed pseudo-random sequence, no spaces. */
function cjkText(length: number): string {
  const random = pseudoRandom(length + 1);
  return Array.from({ length }, () => String.fromCharCode(0x4e00 + Math.floor(random() * 20_000))).join('');
}

function pseudoRandom(seed: number): () => number {
  let state = seed % 2_147_483_647 || 1;
  return () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647;
}
