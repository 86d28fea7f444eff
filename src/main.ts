import { resolve } from 'node:path';
import { loadConfig, type Config } from './config.js';
import { resolveTemporalCli } from './embedded/temporal-cli.js';
import { startEmbeddedTemporal, type EmbeddedTemporal } from './embedded/temporal-dev-server.js';
import { loggerFor } from './observability/logger.js';
import { startHttp } from './server.js';
import { WEBHOOK_PATH } from './domain/webhook-contract.js';
import { bootWorker, notDrainedLine, warnOfOutsideServices } from './worker.js';

/**
 * `npm start`: the worker and the webhook in one process. With nothing configured it also
 * runs a Temporal dev server, keeps short- and long-term memory in PGlite, and answers
 * with the offline model; everything lives in the data folder and survives restarts.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = loggerFor(config);
  const say = (line: string) => console.log(`chatmem: ${line}`);

  let temporal: EmbeddedTemporal | null = null;
  if (config.temporal.embedded) {
    say(`starting a Temporal dev server on ${config.temporal.address} (set TEMPORAL_ADDRESS to use your own)`);
    const cli = resolveTemporalCli(process.env, say);
    temporal = await startEmbeddedTemporal({ cli, dataDir: config.dataDir, port: config.temporal.devPort, uiPort: config.temporal.uiPort });
  }
  let drained = true;
  try {
    const { metrics, deps, connection, run } = await bootWorker(config, logger);
    const http = await startHttp(config, { logger, metrics, worker: { db: deps.db, ownSends: deps.ownSends, connection } });
    logger.info({ config, database: deps.db.kind, vectors: deps.ltm.store.kind }, 'configuration');
    for (const line of banner(config, { webhookUrl: `${http.url}${WEBHOOK_PATH}`, uiUrl: temporal?.uiUrl ?? null, database: deps.db.kind, vectors: deps.ltm.store.kind })) say(line);
    // After the banner, without holding the start: WAHA often comes up after chatmem.
    void warnOfOutsideServices(config, logger, say);

    // The Temporal runtime drains the worker on SIGINT/SIGTERM; the webhook stops taking
    // deliveries at the same moment, so WAHA retries them against the next instance.
    // Kept, not once: a terminal's Ctrl-C reaches npm, tsx and us together and tsx relays it
    // again, and a signal nobody listens for would kill us mid-drain.
    let stopping = false;
    const stopHttp = () => {
      if (stopping) return;
      stopping = true;
      say('stopping: finishing the work in flight (Ctrl-C again does not hurry it)');
      void http.stop();
    };
    process.on('SIGINT', stopHttp);
    process.on('SIGTERM', stopHttp);
    ({ drained } = await run());
    if (!drained) say(notDrainedLine(config));
  } finally {
    await temporal?.stop();
  }
  say('stopped; all data is kept');
  // A worker given up on still holds its connection and tasks, which would keep us alive.
  if (!drained) process.exit(0);
}

function banner(config: Config, parts: { webhookUrl: string; uiUrl: string | null; database: string; vectors: string }): string[] {
  return [
    `up. WAHA webhook: POST ${parts.webhookUrl}`,
    `Temporal Web UI: ${parts.uiUrl ?? `(your Temporal at ${config.temporal.address})`}, namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue}`,
    `data folder: ${resolve(config.dataDir)} (short-term memory: ${parts.database}; long-term memory: ${parts.vectors})`,
    config.offline
      ? 'offline mode: no OPENAI_API_KEY or OPENAI_BASE_URL, so a local deterministic model answers (replies quote the message); set one for a real model'
      : `model: ${config.openai.chatModel} at ${config.openai.baseUrl ?? 'api.openai.com'}`,
    config.embeddings.provider === 'local'
      ? `embeddings: ${config.embeddings.model} in this process (${config.embeddings.dimensions} dimensions; nothing leaves the machine)`
      : `embeddings: ${config.embeddings.model} (${config.embeddings.dimensions} dimensions) at ${config.embeddings.baseUrl ?? 'api.openai.com'}`,
    `replies go to WAHA at ${config.waha.url}; try it without WhatsApp: npm run chat -- --from 5511988887777`,
  ];
}

main().catch((error: unknown) => {
  console.error(`chatmem cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
