import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointIdFor } from '../../src/domain/point-id.js';
import { openPostgresDatabase } from '../../src/stores/sql/postgres-database.js';
import { openPgliteVectorStore } from '../../src/stores/vector/pglite.js';
import { PgVectorStore } from '../../src/stores/vector/pgvector-store.js';
import { QdrantVectorStore } from '../../src/stores/vector/qdrant-store.js';
import type { VectorStore } from '../../src/stores/vector/vector-store.js';
import { PGVECTOR_POSTGRES_BIN, PGVECTOR_POSTGRES_MISSING, startPrivatePostgres } from '../support/private-postgres.js';

const DIMENSIONS = 8;
const QDRANT_URL = process.env.QDRANT_URL;

// [name, why it is skipped (null: it runs), open]
const adapters: [string, string | null, () => Promise<VectorStore>][] = [
  ['pgvector on PGlite', null, () => openPgliteVectorStore({ dataDir: null, dimensions: DIMENSIONS })],
  [
    'pgvector in PostgreSQL (a private cluster)',
    PGVECTOR_POSTGRES_BIN ? null : PGVECTOR_POSTGRES_MISSING,
    async () => {
      const cluster = await startPrivatePostgres({ pgvector: true });
      const db = openPostgresDatabase(cluster.adminUrl);
      const close = async () => {
        await db.close();
        await cluster.destroy();
      };
      return new PgVectorStore(db, DIMENSIONS, { kind: 'pgvector:postgres', close });
    },
  ],
  [
    'Qdrant at QDRANT_URL',
    QDRANT_URL ? null : 'QDRANT_URL is not set, and no Qdrant binary can be installed on this machine',
    async () => new QdrantVectorStore({ url: QDRANT_URL!, apiKey: process.env.QDRANT_API_KEY }, DIMENSIONS),
  ],
];

const unit = (...values: number[]) => {
  const vector = Array.from({ length: DIMENSIONS }, (_, i) => values[i] ?? 0);
  const norm = Math.hypot(...vector);
  return vector.map((v) => v / norm);
};

// A skipped adapter says why in the suite's name; one that runs has nothing to explain.
const suites = adapters.map(([name, skipReason, open]) => [skipReason ? `${name} (skipped: ${skipReason})` : name, skipReason, open] as const);

describe.each(suites)('vector store contract: %s', (_name, skipReason, open) => {
  const enabled = skipReason === null;
  let store: VectorStore;
  // Unique per run, so a shared Qdrant never mixes runs.
  const chatA = `a-${randomUUID()}@c.us`;
  const chatB = `b-${randomUUID()}@c.us`;
  const person = `p-${randomUUID()}@c.us`;

  beforeAll(async () => {
    if (!enabled) return;
    store = await open();
    await store.ensureCollections();
  });
  afterAll(async () => {
    if (!store) return;
    await store.deleteWhere('longterm_memory', { chatId: chatA });
    await store.deleteWhere('longterm_memory', { chatId: chatB });
    await store.deleteWhere('user_knowledge', { ltmId: person });
    await store.close();
  });

  it.skipIf(skipReason !== null)('creates its collections idempotently', async () => {
    await store.ensureCollections();
    expect(await store.count('longterm_memory', { chatId: chatA })).toBe(0);
  });

  it.skipIf(skipReason !== null)('upserts by id: writing the same point twice, even in one batch, keeps one, the last written', async () => {
    const id = pointIdFor('ltm', chatA, 'm1');
    const point = { id, vector: unit(1), payload: { chatId: chatA, messageId: 'm1', text: 'pão de queijo', isGroupChat: false, timestamp: 1 } };
    await store.upsert('longterm_memory', [point]);
    await store.upsert('longterm_memory', [{ ...point, payload: { ...point.payload, text: 'pão de queijo morno' } }, { ...point, payload: { ...point.payload, text: 'pão de queijo quente' } }]);
    expect(await store.count('longterm_memory', { chatId: chatA })).toBe(1);
    const [listed] = await store.list('longterm_memory', { chatId: chatA });
    expect(listed).toEqual({ id, payload: expect.objectContaining({ text: 'pão de queijo quente', isGroupChat: false, timestamp: 1 }) });
  });

  it.skipIf(skipReason !== null)('searches by cosine similarity within the filter, best first', async () => {
    await store.upsert('longterm_memory', [
      { id: pointIdFor('ltm', chatA, 'm2'), vector: unit(1, 1), payload: { chatId: chatA, messageId: 'm2' } },
      { id: pointIdFor('ltm', chatA, 'm3'), vector: unit(0, 1), payload: { chatId: chatA, messageId: 'm3' } },
      { id: pointIdFor('ltm', chatB, 'm4'), vector: unit(1), payload: { chatId: chatB, messageId: 'm4' } },
    ]);
    const hits = await store.search('longterm_memory', unit(1), { filter: { chatId: chatA }, limit: 2 });
    expect(hits.map((hit) => hit.payload.messageId)).toEqual(['m1', 'm2']);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(hits[1]!.score).toBeCloseTo(Math.SQRT1_2, 5);
    const other = await store.search('longterm_memory', unit(1), { filter: { chatId: chatB }, limit: 5 });
    expect(other.map((hit) => hit.payload.messageId)).toEqual(['m4']);
  });

  it.skipIf(skipReason !== null)('lists, deletes by id and deletes by filter', async () => {
    const facts = ['name: Ana', 'likes: coffee', 'city: Rio'].map((fact, i) => ({
      id: pointIdFor('fact', person, String(i)),
      vector: unit(i + 1, 1),
      payload: { ltmId: person, fact, sourceMessageId: `s${i}`, timestamp: i },
    }));
    await store.upsert('user_knowledge', facts);
    expect((await store.list('user_knowledge', { ltmId: person })).map((p) => p.payload.fact).sort()).toEqual(['city: Rio', 'likes: coffee', 'name: Ana']);
    await store.delete('user_knowledge', [facts[1]!.id]);
    expect(await store.count('user_knowledge', { ltmId: person })).toBe(2);
    expect(await store.deleteWhere('user_knowledge', { ltmId: person })).toBe(2);
    expect(await store.count('user_knowledge', { ltmId: person })).toBe(0);
  });

  it.skipIf(skipReason !== null)('refuses a vector of the wrong size', async () => {
    await expect(store.upsert('longterm_memory', [{ id: pointIdFor('x'), vector: [1, 2], payload: { chatId: chatA } }])).rejects.toThrow();
  });
});

describe('point ids', () => {
  it('are UUIDs derived from the source: the same source gives the same id', () => {
    expect(pointIdFor('ltm', 'chat', 'm1')).toBe(pointIdFor('ltm', 'chat', 'm1'));
    expect(pointIdFor('ltm', 'chat', 'm1')).not.toBe(pointIdFor('ltm', 'chat', 'm2'));
    expect(pointIdFor('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
