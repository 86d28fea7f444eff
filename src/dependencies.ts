import type { ActivityDeps } from './activities/index.js';
import { createLlmClient } from './clients/llm-client.js';
import { createWahaClient } from './clients/waha-client.js';
import type { Config } from './config.js';
import { createPool } from './stores/postgres/pool.js';
import { migrate } from './stores/postgres/migrate.js';
import { StmRepository } from './stores/postgres/stm-repository.js';

/** The I/O the activities need, built from config; the database is migrated on the way. */
export async function openDependencies(config: Config): Promise<ActivityDeps & { close(): Promise<void> }> {
  const pool = createPool(config.databaseUrl);
  await migrate(pool);
  return {
    stm: new StmRepository(pool),
    llm: createLlmClient({
      apiKey: config.openai.apiKey,
      baseUrl: config.openai.baseUrl,
      model: config.openai.chatModel,
      timeoutMs: config.openai.timeoutMs,
    }),
    waha: createWahaClient({ baseUrl: config.waha.url, apiKey: config.waha.apiKey }),
    settings: {
      groupReply: config.groupReply,
      stmWindow: config.stmWindow,
      systemPrompt: config.systemPrompt,
    },
    close: () => pool.end(),
  };
}
