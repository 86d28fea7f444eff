import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config.js';
import { openDependencies } from '../../src/dependencies.js';
import { chatWorkflowId } from '../../src/domain/chat-workflow-id.js';
import { startHttp } from '../../src/server.js';
import { WEBHOOK_PATH } from '../../src/webhook/app.js';
import { signWebhookBody } from '../../src/webhook/hmac.js';
import { stateQuery } from '../../src/workflows/chat-workflow.js';
import { createChatWorker } from '../../src/worker.js';
import { startOpenAiStandIn } from './openai-standin.js';
import { createTestDatabase } from './postgres.js';
import { startTcpProxy } from './tcp-proxy.js';
import { startWahaStandIn, type Engine } from './waha-standin.js';

let runtimeInstalled = false;

/** One Temporal dev server, the real CLI at `temporalCli`. */
export async function startTemporal(temporalCli: string): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli },
      ip: '127.0.0.1',
      ui: false,
      // Hands an activity to the worker that scheduled it, skipping a trip through matching.
      extraArgs: [
        '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
        '--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1',
      ],
    },
  });
}

export interface StackOptions {
  temporalCli: string;
  /** A prebuilt workflow bundle; without it the worker bundles the workflows itself. */
  workflowBundlePath?: string;
  env?: Record<string, string>;
  engine?: Engine;
}

/**
 * The whole product on real parts: Temporal dev server, PostgreSQL, the worker and the
 * webhook as `npm start` wires them from environment variables, with HTTP stand-ins for
 * OpenAI and WAHA. The webhook reaches Temporal through a proxy a test can cut.
 */
export async function startStack(options: StackOptions) {
  const temporal = await startTemporal(options.temporalCli);
  const db = await createTestDatabase();
  const openai = await startOpenAiStandIn();
  const hmacKey = options.env?.WAHA_WEBHOOK_HMAC_KEY ?? null;
  const waha = await startWahaStandIn({ apiKey: 'waha-test-key', engine: options.engine, hmacKey });
  const proxy = await startTcpProxy(temporal.address);
  const taskQueue = 'chatmem-test';

  const config = loadConfig({
    PORT: '0',
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: db.url,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: openai.baseUrl,
    CHAT_MODEL: 'test-chat-model',
    WAHA_URL: waha.url,
    WAHA_API_KEY: 'waha-test-key',
    DEBOUNCE_MS: '0',
    EMBEDDING_DIMENSIONS: '64',
    VECTOR_DATA_DIR: mkdtempSync(`${tmpdir()}/chatmem-vectors-`),
    ...options.env,
  });
  const deps = await openDependencies(config);
  const worker: Worker = await createChatWorker({
    connection: temporal.nativeConnection,
    namespace: 'default',
    taskQueue,
    deps,
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : {}),
  });
  const workerRun = worker.run();
  const webhookLog: Record<string, unknown>[] = [];
  const http = await startHttp(config, (event) => webhookLog.push(event));
  const webhookUrl = `${http.url}${WEBHOOK_PATH}`;
  waha.setWebhookUrl(webhookUrl);
  const client: Client = temporal.client;

  /** Posts a body to the webhook as WAHA does (signed when the stack has an HMAC key). */
  async function post(body: unknown, headers: Record<string, string> = {}) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signature: Record<string, string> = hmacKey ? { 'x-webhook-hmac': signWebhookBody(hmacKey, raw), 'x-webhook-hmac-algorithm': 'sha512' } : {};
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature, ...headers },
      body: raw,
    });
    return { status: response.status, body: (await response.json().catch(() => null)) as any };
  }

  async function chatState(session: string, chatId: string) {
    return client.workflow.getHandle(chatWorkflowId(session, chatId)).query(stateQuery);
  }

  async function rows<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await db.pool.query(sql, params)).rows as T[];
  }

  return {
    config,
    temporal,
    client,
    db,
    deps,
    openai,
    waha,
    proxy,
    worker,
    webhookUrl,
    webhookLog,
    post,
    chatState,
    rows,
    async stop() {
      await waha.close();
      await http.stop();
      worker.shutdown();
      await workerRun.catch(() => undefined);
      await deps.close();
      await proxy.close();
      await openai.close();
      await temporal.teardown();
      await db.drop();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
