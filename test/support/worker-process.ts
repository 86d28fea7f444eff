import { bareEnv, runEntry } from './child-process.js';

/**
 * `npm run start:worker` as a process of its own, configured like the stack's chatmem:
 * resolves once it polls. Its metrics port is any free one, so several can come and go.
 */
export async function startWorkerProcess(env: Record<string, string>) {
  const worker = runEntry('src/worker.ts', [], bareEnv({ ...env, METRICS_PORT: '0', LOG_LEVEL: 'warn' }));
  await worker.waitForLine(/^chatmem worker: polling/, 120_000);
  return worker;
}

export type WorkerProcess = Awaited<ReturnType<typeof startWorkerProcess>>;
