import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Config } from './config.js';
import { loadConfig } from './config.js';
import { loggerFor, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { readinessCheck } from './observability/readiness.js';
import type { OwnSends } from './clients/own-sends.js';
import type { SqlClient } from './stores/sql/database.js';
import { openPostgresDatabase } from './stores/sql/postgres-database.js';
import { WEBHOOK_PATH } from './domain/webhook-contract.js';
import { createWebhookApp } from './webhook/app.js';
import { createTemporalSignaler } from './webhook/chat-signaler.js';
import { limitDeliveries } from './webhook/delivery-limit.js';
import { close, listen } from './webhook/server.js';

/**
 * The HTTP entry: the webhook only talks to Temporal, so it comes up (and answers 503)
 * even while Temporal is still starting.
 */
export async function startHttp(
  config: Config,
  observe: {
    logger: Logger;
    metrics: Metrics;
    /**
     * The worker's parts, when it runs in this process: its database, what it sent through
     * WAHA (their echoes stop here), and its connection (new chats start on it eagerly).
     */
    worker?: { db: SqlClient; ownSends: OwnSends; connection?: NativeConnection };
  },
): Promise<{ url: string; stop(): Promise<void> }> {
  const connection = Connection.lazy({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  // Eager starts need the worker's own connection: the server's answer carries the new chat's first task for that worker.
  const eagerStart = observe.worker?.connection ? { client: new Client({ connection: observe.worker.connection, namespace: config.temporal.namespace }), settings: config.chat } : undefined;
  // On its own, the webhook process needs the database only to report readiness: a small
  // pool of its own, or nothing when the worker keeps PGlite.
  const ownPool = !observe.worker && config.databaseUrl ? openPostgresDatabase(config.databaseUrl, { max: 2, prepare: config.databasePreparedStatements, idleTimeoutMs: config.databaseIdleTimeoutMs }) : null;
  const app = createWebhookApp({
    signaler: limitDeliveries(createTemporalSignaler(client, { taskQueue: config.temporal.taskQueue, eagerStart }), config.webhookDeliveries),
    hmacKey: config.waha.webhookHmacKey,
    bodyLimitBytes: config.webhookBodyLimitBytes,
    maxMessageChars: config.maxMessageCharsStored,
    log: (event) => observe.logger.info(event, 'webhook'),
    metrics: observe.metrics,
    readiness: readinessCheck({ temporal: connection, database: observe.worker?.db ?? ownPool }),
    ownSends: observe.worker?.ownSends,
  });
  const { server, url } = await listen(app, config.port);
  return {
    url,
    async stop() {
      await close(server);
      await connection.close();
      await ownPool?.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = loadConfig();
  const logger = loggerFor(config);
  startHttp(config, { logger, metrics: createMetrics() }).then(
    ({ url, stop }) => {
      logger.info({ url: `${url}${WEBHOOK_PATH}` }, 'chatmem webhook listening');
      const shutdown = () => void stop().then(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
