import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from './config.js';
import { openDependencies } from './dependencies.js';
import { createLogger, secretsOf } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { PinoTemporalLogger } from './observability/temporal-logger.js';
import { startHttp } from './server.js';
import { WEBHOOK_PATH } from './webhook/app.js';
import { createChatWorker } from './worker.js';

/** `npm start`: the worker and the webhook in one process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ secrets: secretsOf(config) });
  Runtime.install({ logger: new PinoTemporalLogger(logger) });
  const metrics = createMetrics();
  const deps = await openDependencies(config, metrics);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createChatWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps, metrics });
  const http = await startHttp(config, { logger, metrics });
  logger.info({ config, vectors: deps.ltm.store.kind }, 'configuration');
  console.log(`chatmem is up: WAHA webhook POST ${http.url}${WEBHOOK_PATH}, Temporal ${config.temporal.address} (${config.temporal.namespace}/${config.temporal.taskQueue})`);

  // The Temporal runtime drains the worker on SIGINT/SIGTERM; the webhook stops taking
  // deliveries at the same moment, so WAHA retries them against the next instance.
  const stopHttp = () => void http.stop();
  process.once('SIGINT', stopHttp);
  process.once('SIGTERM', stopHttp);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await deps.close();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
