import { pathToFileURL } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import Koa from 'koa';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { outsideServiceWarnings } from './clients/outside-reachability.js';
import { loadConfig, type Config } from './config.js';
import { openDependencies } from './dependencies.js';
import { loggerFor, type Logger } from './observability/logger.js';
import { activityTiming, createMetrics, type Metrics } from './observability/metrics.js';
import { opsRoutes } from './observability/ops-routes.js';
import { readinessCheck } from './observability/readiness.js';
import { PinoTemporalLogger } from './observability/temporal-logger.js';
import { startOfflineOpenAi } from './offline/offline-openai.js';
import { registerSearchAttributes } from './temporal/register-search-attributes.js';
import { close, listen } from './webhook/server.js';
import { prebuiltWorkflowBundle, WORKFLOWS_PATH } from './workflows/workflow-code.js';

export interface ChatWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  metrics?: Metrics;
  /** A prebuilt bundle (tests build one per run); otherwise `npm run build`'s, else the workflows are bundled now. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** MAX_CONCURRENT_REPLIES and MAX_CACHED_CHATS. */
  capacity: Pick<Config, 'maxConcurrentReplies' | 'maxCachedChats'>;
}

export function createChatWorker(options: ChatWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    ...(options.metrics ? { interceptors: { activity: [activityTiming(options.metrics)] } } : {}),
    ...workflowCode(options.workflowBundle),
    // A reply runs as local activities inside its chat's workflow task, so a task slot is held
    // for as long as the model takes: the SDK's 40 slots would cap a slow model at 40 chats
    // answered at once. Each slot waits on I/O, not on the CPU.
    maxConcurrentWorkflowTaskExecutions: options.capacity.maxConcurrentReplies,
    maxConcurrentLocalActivityExecutions: options.capacity.maxConcurrentReplies,
    // The SDK's default is a share of the heap limit (2,311 chats on a 24 GB machine), which
    // put 10,000 live chats at 1,957 MiB; 500 kept them at 1,194 MiB, answered as fast.
    maxCachedWorkflows: options.capacity.maxCachedChats,
  });
}

function workflowCode(given: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const bundle = given ?? prebuiltWorkflowBundle();
  return bundle ? { workflowBundle: bundle } : { workflowsPath: WORKFLOWS_PATH };
}

/**
 * The worker process's parts, from configuration: metrics, dependencies (with the offline
 * model when no OpenAI is configured), connection, search attributes, worker.
 */
export async function bootWorker(config: Config, logger: Logger) {
  Runtime.install({ logger: new PinoTemporalLogger(logger) });
  const metrics = createMetrics();
  const offline = config.offline ? await startOfflineOpenAi() : null;
  const effective: Config = offline ? { ...config, openai: { ...config.openai, baseUrl: offline.baseUrl } } : config;
  const deps = await openDependencies(effective, metrics);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const added = await registerSearchAttributes(connection, config.temporal.namespace);
  if (added.length) logger.info({ added }, 'registered search attributes');
  const worker = await createChatWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps, metrics, capacity: config });
  const closeAll = async () => {
    await connection.close();
    await deps.close();
    await offline?.close();
  };
  return {
    metrics,
    deps,
    connection,
    worker,
    /**
     * Runs until SIGINT/SIGTERM, then drains: the work in flight finishes first, for up to
     * SHUTDOWN_TIMEOUT. Past that it resolves `drained: false` with the worker still holding
     * its work, and the caller ends the process: Temporal hands that work to the next worker
     * once its task times out, and a send it repeats is checked against WAHA first.
     */
    async run(): Promise<{ drained: boolean }> {
      const running = worker.run().then(
        () => ({ drained: true }),
        (error: unknown) => closeAll().then(() => Promise.reject(error)),
      );
      const outcome = await Promise.race([running, givenUpAfter(config.shutdownTimeoutMs)]);
      if (outcome.drained) await closeAll();
      else logger.warn({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'the worker did not drain within SHUTDOWN_TIMEOUT; stopping with its work in flight, which Temporal gives to the next worker');
      return outcome;
    },
  };
}

/** What a process says when it stopped without its worker drained. */
export function notDrainedLine(config: Config): string {
  return `stopped with work in flight after SHUTDOWN_TIMEOUT (${config.shutdownTimeoutMs / 1000} s); Temporal gives it to the next worker`;
}

/**
 * Resolves `drained: false` SHUTDOWN_TIMEOUT after the first SIGINT or SIGTERM, the signals
 * on which the Temporal runtime starts draining its workers. A model call that does not
 * answer, or a poll the server never ends, would otherwise hold a stopping worker for good.
 */
function givenUpAfter(timeoutMs: number): Promise<{ drained: false }> {
  return new Promise((resolve) => {
    const start = () => setTimeout(() => resolve({ drained: false }), timeoutMs).unref();
    process.once('SIGINT', start);
    process.once('SIGTERM', start);
  });
}

/** Says, on the terminal and in the log, which outside service does not answer (the model, WAHA). */
export async function warnOfOutsideServices(config: Config, logger: Logger, say: (line: string) => void): Promise<void> {
  for (const warning of await outsideServiceWarnings(config)) {
    say(warning);
    logger.warn(warning);
  }
}

/** `npm run start:worker`: the worker alone, with its own /metrics, /readyz and /healthz. */
async function runWorker(): Promise<void> {
  const config = loadConfig();
  const logger = loggerFor(config);
  const booted = await bootWorker(config, logger);
  const ops = new Koa().use(opsRoutes({ metrics: booted.metrics, readiness: readinessCheck({ temporal: booted.connection, database: booted.deps.db }) }));
  const { server, url } = await listen(ops, config.metricsPort);
  logger.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address, metrics: `${url}/metrics` }, 'chatmem worker polling');
  console.log(`chatmem worker: polling ${config.temporal.taskQueue} on ${config.temporal.address}; metrics ${url}/metrics`);
  void warnOfOutsideServices(config, logger, (line) => console.log(`chatmem worker: ${line}`));
  try {
    const { drained } = await booted.run();
    if (!drained) {
      console.log(`chatmem worker: ${notDrainedLine(config)}`);
      process.exit(0);
    }
  } finally {
    await close(server);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorker().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
