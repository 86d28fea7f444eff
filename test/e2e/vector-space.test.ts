import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inspectChat } from '../../src/cli/operator-commands.js';
import { loadConfig } from '../../src/config.js';
import { openDependencies } from '../../src/dependencies.js';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import { bareEnv, runEntry } from '../support/child-process.js';
import { variant } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestStack, type Stack } from '../support/test-stack.js';

// Issue 15: vectors of 1536 dimensions were kept under EMBEDDING_DIMENSIONS=384, every
// write failed after 8 attempts with a warning only, and recall came back empty.

// Each case opens the stores several times and starts a worker process: slow on a busy machine.
describe('a vector store made by another embedder', { timeout: 180_000 }, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  /** Opens and closes the worker's stores as a start does. */
  async function start(env: Record<string, string>) {
    const deps = await openDependencies(loadConfig({ OPENAI_API_KEY: 'sk-test', ...env }));
    await deps.close();
  }

  it('is refused at start, with one line naming what it holds and what is configured: PostgreSQL without pgvector, vectors in PGlite', async () => {
    // The configuration of the report: PostgreSQL for short-term memory, PGlite for the vectors.
    const vectors = mkdtempSync(`${tmpdir()}/chatmem-space-`);
    const base = { DATABASE_URL: db.url, VECTOR_DATA_DIR: vectors };
    await start(base);
    await start(base);

    await expect(start({ ...base, EMBEDDING_DIMENSIONS: '384' })).rejects.toThrow(
      /holds 1536-dimension vectors of text-embedding-3-small, but EMBEDDING_MODEL=text-embedding-3-small with EMBEDDING_DIMENSIONS=384 is configured/,
    );
    await expect(start({ ...base, EMBEDDING_MODEL: 'all-minilm' })).rejects.toThrow(/of text-embedding-3-small, but EMBEDDING_MODEL=all-minilm/);

    // As an operator starts a worker: it stops before polling, with that line.
    const worker = runEntry('src/worker.ts', [], bareEnv({ ...base, EMBEDDING_DIMENSIONS: '384', OPENAI_API_KEY: 'sk-test', TEMPORAL_ADDRESS: '127.0.0.1:1', METRICS_PORT: '0' }));
    expect(await worker.exited).toBe(1);
    expect(worker.lines.filter((line) => line.includes('1536-dimension'))).toHaveLength(1);
    // Set back, it starts.
    await start(base);
  });

  it('is refused at start on the zero-config PGlite, where the vectors live in the main database', async () => {
    const dataDir = mkdtempSync(`${tmpdir()}/chatmem-space-data-`);
    await start({ CHATMEM_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64' });
    await expect(start({ CHATMEM_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '32' })).rejects.toThrow(/holds 64-dimension vectors .* EMBEDDING_DIMENSIONS=32/);
    await start({ CHATMEM_DATA_DIR: dataDir, EMBEDDING_DIMENSIONS: '64' });
  });

  it('is refused when a zero-config data folder, made by the local model, is started with an OpenAI key', async () => {
    const dataDir = mkdtempSync(`${tmpdir()}/chatmem-space-local-`);
    // Nothing configured: the local model writes the vectors.
    await (await openDependencies(loadConfig({ CHATMEM_DATA_DIR: dataDir }))).close();
    await expect(start({ CHATMEM_DATA_DIR: dataDir })).rejects.toThrow(
      /holds 384-dimension vectors of all-MiniLM-L6-v2-int8, but EMBEDDING_MODEL=text-embedding-3-small with EMBEDDING_DIMENSIONS=1536 is configured/,
    );
    // The way back is to say so: the local model again, key or not.
    await start({ CHATMEM_DATA_DIR: dataDir, EMBEDDING_PROVIDER: 'local' });
  });
});

describe('an embedder that answers with another size', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack?.stop());

  it('is a learning failure operators see at once, not eight silent retries', async () => {
    stack.openai.embedWithSize(32);
    const event = variant('private-text-incoming-webjs.json', { waId: 'SIZE0001', body: 'meu nome é Joana' });
    expect((await stack.post(event)).status).toBe(202);
    const chatId = '5521977776666@c.us';
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chatId));
    const state = await vi.waitUntil(async () => {
      const view = await handle.query(stateQuery);
      return view.learningFailures > 0 ? view : undefined;
    }, WAIT_MS);
    expect(state.lastLearningFailure).toMatchObject({ messageId: event.payload.id, reason: expect.stringContaining('returned 32 dimensions; EMBEDDING_DIMENSIONS is 64') });

    const { currentDetails } = (await handle.query('__temporal_workflow_metadata')) as { currentDetails: string };
    expect(currentDetails).toMatch(/\*\*Not learned from:\*\* \d+ \(kept in short-term memory only\); last: \w+ of .*SIZE0001/);
    const printed: string[] = [];
    await inspectChat({ client: stack.client, session: 'default', print: (line) => printed.push(line) }, { kind: 'contact', chatId });
    expect(printed.join('\n')).toMatch(/not learned from \(kept in short-term memory only\): \d+; last: .*returned 32 dimensions/);
    // Tried once: the same answer would come on every attempt.
    const metrics = await (await fetch(stack.webhookUrl.replace('/webhooks/waha', '/metrics'))).text();
    expect(metrics).toMatch(/chatmem_stage_seconds_count\{stage="rememberMessage",result="permanent"\} 1\n/);
    expect(metrics).not.toMatch(/chatmem_stage_seconds_count\{stage="rememberMessage",result="error"\}/);
    stack.openai.embedWithSize(null);
  });
});
