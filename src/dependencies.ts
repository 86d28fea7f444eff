import type { ActivityDeps } from './activities/index.js';
import { createEmbedder, type Embedder } from './clients/embedder.js';
import { createLocalEmbedder } from './clients/local-embedder.js';
import { withRecentEmbeddings } from './clients/recent-embeddings.js';
import { resolveEmbeddingModel } from './embedded/embedding-model.js';
import { llmBehindCircuit, wahaBehindCircuit, type CircuitEvents } from './clients/circuit-breakers.js';
import { createMediaReader } from './clients/media-reader.js';
import { createLlmClient } from './clients/llm-client.js';
import { OwnSends, withOwnSendsTracked } from './clients/own-sends.js';
import { createWahaClient } from './clients/waha-client.js';
import type { Config } from './config.js';
import { describeError } from './domain/describe-error.js';
import type { Metrics } from './observability/metrics.js';
import { withTokenMetrics } from './observability/token-metrics.js';
import type { Database } from './stores/sql/database.js';
import { migrate } from './stores/sql/migrate.js';
import { openPgliteDatabase } from './stores/sql/pglite-database.js';
import { openPostgresDatabase } from './stores/sql/postgres-database.js';
import { SendPace } from './stores/sql/send-pace.js';
import { StmRepository } from './stores/sql/stm-repository.js';
import { LongTermMemory } from './stores/vector/long-term-memory.js';
import { openVectorStore } from './stores/vector/open-vector-store.js';

/** DATABASE_URL's PostgreSQL, or PGlite in the data folder when none is configured. */
export function openDatabase(config: Config): Promise<Database> {
  return config.databaseUrl ? Promise.resolve(openPostgresDatabase(config.databaseUrl, { max: config.databasePoolSize, prepare: config.databasePreparedStatements, idleTimeoutMs: config.databaseIdleTimeoutMs })) : openPgliteDatabase(`${config.dataDir}/pglite`);
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** The local model (installed into .tools/ on first use) or an OpenAI-compatible endpoint. */
async function openEmbedder(config: Config): Promise<Embedder & { close?(): Promise<void> }> {
  const { embeddings } = config;
  if (embeddings.provider === 'local') {
    return withRecentEmbeddings(await createLocalEmbedder({ modelDir: resolveEmbeddingModel(process.env, (line) => console.log(`chatmem: ${line}`)), threads: embeddings.localThreads }));
  }
  return withRecentEmbeddings(createEmbedder({ apiKey: embeddings.apiKey, baseUrl: embeddings.baseUrl, model: embeddings.model, dimensions: embeddings.dimensions, timeoutMs: config.openai.timeoutMs }));
}

/** The I/O the activities need, built from config; databases are migrated on the way. */
export async function openDependencies(config: Config, metrics?: Metrics): Promise<ActivityDeps & { db: Database; ownSends: OwnSends; close(): Promise<void> }> {
  const db = await openDatabase(config);
  await migrate(db).catch(async (error: unknown) => {
    await db.close().catch(() => undefined);
    // "connect ECONNREFUSED 127.0.0.1:1" alone does not say which setting to look at.
    throw new Error(`the database does not answer: ${config.databaseUrl ? `DATABASE_URL ${withoutPassword(config.databaseUrl)}` : `PGlite in ${config.dataDir}/pglite`} (${describeError(error)})`);
  });
  const vectors = await openVectorStore({ ...config.vectors, dimensions: config.embeddings.dimensions, model: config.embeddings.model, db }).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  const embedder = await openEmbedder(config).catch(async (error: unknown) => {
    await vectors.close();
    await db.close();
    throw error;
  });
  const openai = { apiKey: config.openai.apiKey, baseUrl: config.openai.baseUrl, timeoutMs: config.openai.timeoutMs };
  const ownSends = new OwnSends();
  const circuits: CircuitEvents = { onChange: (service, open) => metrics?.circuitOpen.set({ service }, open ? 1 : 0) };
  return {
    db,
    stm: new StmRepository(db),
    metrics,
    llm: llmBehindCircuit(withTokenMetrics(createLlmClient({ ...openai, model: config.openai.chatModel }), metrics), circuits),
    ltm: new LongTermMemory(vectors),
    embedder,
    media: {
      reader: createMediaReader({ ...openai, transcribeModel: config.media.transcribeModel, visionModel: config.media.visionModel }),
      maxBytes: config.media.maxBytes,
    },
    pacing: config.pacing,
    sendPace: new SendPace(db),
    waha: withOwnSendsTracked(wahaBehindCircuit(createWahaClient({ baseUrl: config.waha.url, apiKey: config.waha.apiKey }), circuits), ownSends),
    ownSends,
    settings: { chat: config.chat, context: config.context },
    async close() {
      await embedder.close?.();
      await vectors.close();
      await db.close();
    },
  };
}
