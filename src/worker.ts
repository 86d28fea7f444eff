import { fileURLToPath, pathToFileURL } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { loadConfig, type Config } from './config.js';
import { openDependencies } from './dependencies.js';
import { createLogger, secretsOf } from './observability/logger.js';
import { createMetrics, timeActivities, type Metrics } from './observability/metrics.js';
import { PinoTemporalLogger } from './observability/temporal-logger.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface ChatWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  metrics?: Metrics;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export function createChatWorker(options: ChatWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.metrics ? timeActivities(createActivities(options.deps), options.metrics) : createActivities(options.deps),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
  });
}

/** The worker process's parts, from configuration: logger, metrics, dependencies, connection, worker. */
export async function bootWorker(config: Config) {
  const logger = createLogger({ secrets: secretsOf(config) });
  Runtime.install({ logger: new PinoTemporalLogger(logger) });
  const metrics = createMetrics();
  const deps = await openDependencies(config, metrics);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await createChatWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps, metrics });
  return {
    logger,
    metrics,
    deps,
    worker,
    /** Runs until SIGINT/SIGTERM, then drains: activities in flight finish first. */
    async run() {
      try {
        await worker.run();
      } finally {
        await connection.close();
        await deps.close();
      }
    },
  };
}

async function runWorker(): Promise<void> {
  const config = loadConfig();
  const booted = await bootWorker(config);
  booted.logger.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address }, 'chatmem worker polling');
  await booted.run();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorker().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
