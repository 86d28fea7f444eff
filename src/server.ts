import { pathToFileURL } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config.js';
import { loadConfig } from './config.js';
import { createWebhookApp, WEBHOOK_PATH } from './webhook/app.js';
import { createTemporalSignaler } from './webhook/chat-signaler.js';
import { close, listen } from './webhook/server.js';

/**
 * The HTTP entry: the webhook only talks to Temporal, so it comes up (and answers 503)
 * even while Temporal is still starting.
 */
export async function startHttp(
  config: Config,
  log: (event: Record<string, unknown>) => void = (event) => console.log(JSON.stringify({ msg: 'webhook', ...event })),
): Promise<{ url: string; stop(): Promise<void> }> {
  const connection = Connection.lazy({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const app = createWebhookApp({
    signaler: createTemporalSignaler(client, { taskQueue: config.temporal.taskQueue }),
    hmacKey: config.waha.webhookHmacKey,
    bodyLimitBytes: config.webhookBodyLimitBytes,
    log,
  });
  const { server, url } = await listen(app, config.port);
  return {
    url,
    async stop() {
      await close(server);
      await connection.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = loadConfig();
  startHttp(config).then(
    ({ url, stop }) => {
      console.log(`chatmem webhook listening: POST ${url}${WEBHOOK_PATH}`);
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
