import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config.js';
import { isReplyTo } from '../../src/offline/offline-model.js';
import { devServerArgs } from '../../src/temporal/dev-server-args.js';
import { startEmbeddedTemporal } from '../../src/embedded/temporal-dev-server.js';
import { openDependencies } from '../../src/dependencies.js';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { createLogger, secretsOf } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { PinoTemporalLogger } from '../../src/observability/temporal-logger.js';
import { startHttp } from '../../src/server.js';
import { WEBHOOK_PATH } from '../../src/domain/webhook-contract.js';
import { postWebhook } from './http.js';
import { memoryQuery, stateQuery } from '../../src/workflows/chat-workflow.js';
import { createChatWorker } from '../../src/worker.js';
import { bareEnv, runEntry } from './child-process.js';
import { startOpenAiStandIn } from './openai-standin.js';
import { createTestDatabase } from './postgres.js';
import { variant } from './fixtures.js';
import { eventually } from './http.js';
import { localActivityOf } from './histories.js';
import { startTcpProxy } from './tcp-proxy.js';
import type { WahaEngine } from '../../src/simulator/waha-events.js';
import { startWahaStandIn } from './waha-standin.js';

/** Log lines (JSON) this process wrote through chatmem's loggers, newest last, for tests to read. */
export const capturedLogs: string[] = [];
const capture = {
  write(line: string) {
    capturedLogs.push(line);
    if (capturedLogs.length > 20_000) capturedLogs.splice(0, 10_000);
    if (/"level":(50|60)/.test(line)) process.stderr.write(line);
  },
};
let runtimeInstalled = false;

/** One Temporal dev server, the real CLI at `temporalCli`. */
export async function startTemporal(temporalCli: string, options: { uiPort?: number } = {}): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    // The SDK's own logs (workflows, activities) go through a scrubbing logger too; its
    // secrets are the ones every stack below is configured with.
    Runtime.install({ logger: new PinoTemporalLogger(createLogger({ secrets: TEST_SECRETS, destination: capture })) });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      ip: '127.0.0.1',
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : { ui: false }),
      // As `npm start` runs its embedded server: chatmem's search attributes, eager activities.
      extraArgs: devServerArgs(),
    },
  });
}

/** What a stack needs of its Temporal server. */
interface StackTemporal {
  address: string;
  client: Client;
  teardown(): Promise<void>;
  /** Stops the server, waits `downMs`, starts it again on the same port and data. */
  restart?(downMs: number): Promise<void>;
}

/**
 * A dev server that keeps its state in a file, as `npm start`'s does, so it can be stopped
 * and started again with every workflow where it was. Only worker processes poll it
 * (`externalWorker`): the test process has no worker of its own to reconnect.
 */
async function startRestartableTemporal(temporalCli: string): Promise<StackTemporal> {
  const options = { cli: temporalCli, dataDir: mkdtempSync(`${tmpdir()}/chatmem-temporal-`), port: await freePort(), uiPort: await freePort() };
  let server = await startEmbeddedTemporal(options);
  const connection = await Connection.connect({ address: server.address });
  return {
    address: server.address,
    client: new Client({ connection }),
    async restart(downMs: number) {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await startEmbeddedTemporal(options);
    },
    async teardown() {
      await connection.close();
      await server.stop();
    },
  };
}

/**
 * Each message answered as it comes, at once and as the offline model wrote it, with small
 * vectors: what a test (or a bench) asks for otherwise, it sets itself.
 */
export const ANSWER_AT_ONCE = {
  DEBOUNCE_MS: '0',
  TYPING_MS_PER_CHAR: '0',
  GROUP_MENTION_ASKER: 'false',
  EMBEDDING_DIMENSIONS: '64',
} as const;

/** The secrets every test stack uses, so tests can look for them in the logs. */
export const TEST_SECRETS = ['sk-test-0b5e7c1d9a', 'waha-test-key-4f2e91'] as const;

export interface StackOptions {
  temporalCli: string;
  /** A prebuilt workflow bundle; without it the worker bundles the workflows itself. */
  workflowBundlePath?: string;
  env?: Record<string, string>;
  engine?: WahaEngine;
  /** Serve the Temporal Web UI too (at `uiUrl`). */
  webUi?: boolean;
  /** No worker in this process: the test runs worker processes itself (`startWorkerProcess`), e.g. to kill them. */
  externalWorker?: boolean;
  /** The PostgreSQL server to make the stack's database on (e.g. a test's private cluster); the shared one by default. */
  adminUrl?: string;
  /** A Temporal server a test can restart (`restartTemporal`), its state in a file; needs `externalWorker`. */
  restartableTemporal?: boolean;
}

/**
 * The whole product on real parts: Temporal dev server, PostgreSQL, the worker and the
 * webhook as `npm start` wires them from environment variables, with HTTP stand-ins for
 * OpenAI and WAHA. chatmem (webhook and worker) reaches Temporal through a proxy a test can cut.
 */
export async function startStack(options: StackOptions) {
  if (options.restartableTemporal && !options.externalWorker) throw new Error('a restartable Temporal serves worker processes only (externalWorker)');
  const uiPort = options.webUi ? await freePort() : undefined;
  const temporal: StackTemporal = options.restartableTemporal ? await startRestartableTemporal(options.temporalCli) : await startTemporal(options.temporalCli, { uiPort });
  const db = await createTestDatabase(options.adminUrl);
  const openai = await startOpenAiStandIn();
  const hmacKey = options.env?.WAHA_WEBHOOK_HMAC_KEY ?? null;
  const waha = await startWahaStandIn({ apiKey: TEST_SECRETS[1], engine: options.engine, hmacKey });
  const proxy = await startTcpProxy(temporal.address);
  // The services reach PostgreSQL through a proxy too, so a test can take the database away.
  const dbUrl = new URL(db.url);
  const dbProxy = await startTcpProxy(`${dbUrl.hostname}:${dbUrl.port || 5432}`);
  const [dbProxyHost, dbProxyPort] = dbProxy.address.split(':');
  dbUrl.hostname = dbProxyHost!;
  dbUrl.port = dbProxyPort!;
  const taskQueue = 'chatmem-test';

  const env: Record<string, string> = {
    OPENAI_API_KEY: TEST_SECRETS[0],
    WAHA_API_KEY: TEST_SECRETS[1],
    PORT: '0',
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: dbUrl.toString(),
    OPENAI_BASE_URL: openai.baseUrl,
    CHAT_MODEL: 'test-chat-model',
    WAHA_URL: waha.url,
    ...ANSWER_AT_ONCE,
    VECTOR_DATA_DIR: mkdtempSync(`${tmpdir()}/chatmem-vectors-`),
    ...options.env,
  };
  const config = loadConfig(env);
  const logger = createLogger({ secrets: secretsOf(config), destination: capture });
  logger.info({ config }, 'configuration');

  /** chatmem itself: its stores, the worker and the webhook, as one process of it runs them. */
  async function startChatmem() {
    const metrics = createMetrics();
    if (options.externalWorker) {
      const http = await startHttp(config, { logger, metrics });
      return { deps: null, worker: null, http, stop: () => http.stop() };
    }
    const deps = await openDependencies(config, metrics);
    // Through the proxy too: a cut takes Temporal away from the worker and from the webhook's
    // eager starts on its connection, as an outage would from one process of chatmem.
    const connection = await NativeConnection.connect({ address: proxy.address });
    const worker: Worker = await createChatWorker({
      connection,
      namespace: 'default',
      taskQueue,
      deps,
      metrics,
      capacity: config,
      ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : {}),
    });
    const workerRun = worker.run();
    const http = await startHttp(config, { logger, metrics, worker: { db: deps.db, ownSends: deps.ownSends, connection } });
    return {
      deps,
      worker,
      http,
      async stop() {
        await http.stop();
        worker.shutdown();
        await workerRun.catch(() => undefined);
        await connection.close();
        await deps.close();
      },
    };
  }

  let chatmem = await startChatmem();
  // The webhook's port changes on a restart; WAHA and the tests always post to the current one.
  const webhookUrl = () => `${chatmem.http.url}${WEBHOOK_PATH}`;
  waha.setWebhookUrl(webhookUrl());
  const client: Client = temporal.client;

  /** Posts a body to the webhook as WAHA does (signed when the stack has an HMAC key). */
  async function post(body: unknown, headers: Record<string, string> = {}) {
    const answer = await postWebhook(webhookUrl(), body, hmacKey, headers);
    if (answer.status === 0) throw new Error(answer.text);
    return { status: answer.status, body: parsedOrNull(answer.text) };
  }

  /** Posts as WAHA delivers: a delivery that was not accepted is tried again, 2 s apart, up to 15 times. */
  async function deliver(body: unknown) {
    for (let attempt = 0; ; attempt++) {
      const answer = await post(body).catch((error: unknown) => ({ status: 0, body: String(error) }));
      if ((answer.status >= 200 && answer.status < 300) || attempt === 15) return answer;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  let said = 0;
  /** A private text message from the chat's contact, each with a WhatsApp id of its own. */
  function say(chat: string, body: string) {
    return post(variant('private-text-incoming.json', { chat, waId: `SAID${said++}`, body }));
  }

  async function chatState(session: string, chatId: string) {
    return client.workflow.getHandle(chatWorkflowId(session, chatId)).query(stateQuery);
  }

  /** What the chat's workflow says it knows and remembers (the `memory` query). */
  async function chatMemory(session: string, chatId: string) {
    return client.workflow.getHandle(chatWorkflowId(session, chatId)).query(memoryQuery);
  }

  /** chatmem's /metrics, as Prometheus scrapes it. */
  async function metricsText() {
    return (await fetch(webhookUrl().replace(WEBHOOK_PATH, '/metrics'))).text();
  }

  /** Every sendText of the bot's answer to a message with this (short) text, as the offline model words it. */
  function repliesTo(text: string) {
    return waha.sent.filter((call) => isReplyTo(call.text, text));
  }

  /** Waits until WAHA got the bot's answer to a message with this (short) text. */
  async function replyTo(text: string, timeoutMs = 30_000) {
    await eventually(() => repliesTo(text).length > 0, `the reply to "${text}"`, timeoutMs);
  }

  /** Waits until the chat's workflow has nothing queued, and returns its state then. */
  function idle(chatId: string, timeoutMs = 30_000) {
    return eventually(async () => {
      const state = await chatState('default', chatId);
      return state.queueLength === 0 ? state : undefined;
    }, `${chatId} idle`, timeoutMs);
  }

  /** The events of the chat's current run so far. */
  async function history(chatId: string, session = 'default') {
    return (await client.workflow.getHandle(chatWorkflowId(session, chatId)).fetchHistory()).events ?? [];
  }

  /**
   * The events of the chat's current run once `count` store-and-reply steps are in them: a
   * step's marker is written when its task completes, just after WAHA got the reply.
   */
  function historyOnceAnswered(chatId: string, count: number, timeoutMs = 30_000) {
    return eventually(async () => {
      const events = await history(chatId);
      return events.filter((event) => localActivityOf(event) === 'storeAndReply').length === count ? events : undefined;
    }, `${count} store-and-reply steps in ${chatId}`, timeoutMs);
  }

  /** Waits until the chat's learning backlog is down to `backlog` (0: all it stored is learned), and returns its state then. */
  function learned(chatId: string, { backlog = 0, timeoutMs = 30_000 } = {}) {
    return eventually(async () => {
      const state = await chatState('default', chatId);
      return state.learningBacklog === backlog ? state : undefined;
    }, `${chatId} learned${backlog ? ` but for ${backlog}` : ''}`, timeoutMs);
  }

  /** `chatmem …` as an operator runs it, against this stack's Temporal, with `env` besides: its exit code and output. */
  async function operatorCli(env: Record<string, string>, ...args: string[]) {
    const cli = runEntry('bin/chatmem.mjs', args, bareEnv({ TEMPORAL_ADDRESS: temporal.address, ...env }));
    const code = await cli.exited;
    return { code, output: cli.lines.join('\n') };
  }

  async function rows<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await db.pool.query(sql, params)).rows as T[];
  }

  return {
    config,
    temporal,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : null,
    client,
    db,
    /** The environment chatmem was configured from, for processes of it a test starts. */
    env,
    get deps() {
      if (!chatmem.deps) throw new Error('this stack runs no worker in the test process');
      return chatmem.deps;
    },
    openai,
    waha,
    proxy,
    dbProxy,
    get worker() {
      if (!chatmem.worker) throw new Error('this stack runs no worker in the test process');
      return chatmem.worker;
    },
    get webhookUrl() {
      return webhookUrl();
    },
    /** Stops the Temporal server for `downMs` and starts it again with its state (`restartableTemporal` stacks). */
    async restartTemporal(downMs: number) {
      if (!temporal.restart) throw new Error('this stack was not started with restartableTemporal');
      await temporal.restart(downMs);
    },
    /** Stops chatmem (webhook, worker, stores) and starts it again on the same data; Temporal stays. */
    async restartChatmem() {
      await chatmem.stop();
      chatmem = await startChatmem();
      waha.setWebhookUrl(webhookUrl());
    },
    post,
    deliver,
    say,
    chatState,
    learned,
    chatMemory,
    metricsText,
    repliesTo,
    replyTo,
    idle,
    history,
    historyOnceAnswered,
    chatmem: (...args: string[]) => operatorCli({}, ...args),
    chatmemWith: operatorCli,
    rows,
    async stop() {
      await waha.close();
      await chatmem.stop();
      await proxy.close();
      await dbProxy.close();
      await openai.close();
      await temporal.teardown();
      await db.drop();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

function parsedOrNull(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
