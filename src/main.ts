import { ConfigError, loadConfig } from './config.js';
import { startHttp } from './server.js';
import { WEBHOOK_PATH } from './webhook/app.js';
import { bootWorker } from './worker.js';

/** `npm start`: the worker and the webhook in one process. */
async function main(): Promise<void> {
  const config = loadConfig();
  const { logger, metrics, deps, run } = await bootWorker(config);
  const http = await startHttp(config, { logger, metrics });
  logger.info({ config, vectors: deps.ltm.store.kind }, 'configuration');
  console.log(`chatmem is up: WAHA webhook POST ${http.url}${WEBHOOK_PATH}, Temporal ${config.temporal.address} (${config.temporal.namespace}/${config.temporal.taskQueue})`);

  // The Temporal runtime drains the worker on SIGINT/SIGTERM; the webhook stops taking
  // deliveries at the same moment, so WAHA retries them against the next instance.
  const stopHttp = () => void http.stop();
  process.once('SIGINT', stopHttp);
  process.once('SIGTERM', stopHttp);
  await run();
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
